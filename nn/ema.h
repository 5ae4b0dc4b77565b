// Exponential moving average of a module's parameters, the "EMA generator" of progressive-GAN
// and StyleGAN (Karras et al. 2018, sec. A.1; Yazici et al. 2019, "The Unusual Effectiveness of
// Averaging in GAN Training"): shadow = decay * shadow + (1 - decay) * param after each step.
// Buffers (BatchNorm running statistics) are not averaged but copied, as PyTorch's AveragedModel
// does by default, so the shadow holds the live network's latest statistics.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "nn/module.h"

namespace ganlite::nn {

class Ema {
 public:
  // Keeps handles to model's parameter and buffer tensors (optimizers and load_state_dict write
  // into them in place, so the handles track the live values) and starts the shadow as a copy
  // of their current values. decay in [0, 1].
  Ema(Module& model, double decay);
  // Averages into `average`, a second instance of model's architecture (same names and shapes,
  // same device): its own parameters and buffers are the shadow, so the average is a network of
  // its own (a run's G_ema, saved and deployed). Starts as a copy of model.
  Ema(Module& model, Module& average, double decay);
  // shadow = decay * shadow + (1 - decay) * param for every parameter; buffers copied.
  void update() { update(decay_); }
  // The same with this update's decay (0 copies the model: an average not started yet).
  void update(double decay);
  // Loads the shadow values into target in place; target must have exactly the model's
  // parameter and buffer names with the same shapes (e.g. a second instance of the same
  // architecture, or the model itself to evaluate with the averaged weights).
  void copy_to(Module& target) const;
  // The shadow parameters and buffers by dotted name, for checkpoints (save_safetensors).
  TensorMap state_dict() const;
  double decay() const { return decay_; }
  int64_t num_updates() const { return updates_; }

 private:
  struct Entry {
    std::string name;
    Tensor live, shadow;
  };
  std::vector<Entry> params_, buffers_;
  double decay_;
  int64_t updates_ = 0;
};

}  // namespace ganlite::nn
