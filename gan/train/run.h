// A run: its named networks (the task's G, D, G2, D2, the teachers a technique's spec names, the
// networks a technique trains), each with its optimizer or frozen, the image pools, random state
// and counters: what a step reads and writes, and what a checkpoint holds (checkpoint.h).
#pragma once
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engine/random.h"
#include "gan/train/image_pool.h"
#include "gan/train/losses.h"
#include "gan/train/netref.h"
#include "gan/train/task.h"
#include "nn/data/dataset.h"
#include "nn/data/loader.h"
#include "nn/ema.h"
#include "nn/module.h"
#include "nn/optim.h"

namespace ganlite::gan {

class Technique;

// A network's name: an identifier, not starting with opt_ or pool_ and not "technique" or
// "regularizers" (the checkpoint's other prefixes).
bool valid_network_name(const std::string& name);

struct Network {
  std::string name;
  nn::ModulePtr module;
  // {"name", "options"} of a registry model: how load_network rebuilds it from a checkpoint;
  // null for a network that is not one (then it is training state only).
  nlohmann::json model;
  std::string optim;                   // the spec's /optim section it trains by; "" when frozen
  std::vector<Tensor> params;          // what its optimizer steps
  std::unique_ptr<nn::Optimizer> opt;  // null when frozen
  // A part trained alongside another network: its optimizer is zeroed and stepped whenever that
  // network's is (Run::optimizers), e.g. feature adapters or masks with G. "" = on its own.
  std::string steps_with;
  std::optional<NetSource> source;  // a teacher's or an init_from's origin
  // An exponential moving average of network `averages` (Run::add_ema): not trained, but saved.
  std::string averages;
  std::unique_ptr<nn::Ema> ema;
  // A technique's snapshot of another network (Run::add_snapshot): not trained, but saved.
  bool snapshot = false;
  bool trainable() const { return opt != nullptr; }
  // In the checkpoint: trained networks, averages and snapshots (teachers are reloaded from
  // their source).
  bool stored() const { return opt != nullptr || ema != nullptr || snapshot; }
};

class Run {
 public:
  struct Options {
    // A resume: init_from is skipped (the checkpoint holds the weights) and each teacher must be
    // the file `pinned` (the checkpoint's metadata "networks") records, by SHA-256.
    bool resuming = false;
    nlohmann::json pinned = nlohmann::json::array();
  };
  // Builds the task's networks (G, D; unpaired also G2, D2 and the pools of D and D2) with their
  // optimizers, loads their init_from and the teachers the technique's parameters name, and
  // seeds the default generator with spec.seed. Errors name the spec field.
  explicit Run(nlohmann::json resolved_spec, Options options);
  explicit Run(nlohmann::json resolved_spec) : Run(std::move(resolved_spec), Options()) {}
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;

  nlohmann::json spec;  // resolved
  TaskKind task;
  GanMode mode;
  Generator gen;  // latents, sampled labels and pool choices; checkpointed with its offset
  // spec.device: networks, optimizer state, latents and pools live there; data batches are
  // loaded on the CPU and moved by to_device.
  Device device = Device::cpu;
  int64_t num_classes = 0;  // generation: > 0 for a class-conditional G
  int64_t batch_size = 1;
  int64_t steps_per_epoch = 1;
  int64_t total_steps = 0;
  int64_t step = 0;  // steps done
  // The network sample grids, infer, eval, report and export use by default; a technique may
  // name another (a student) in setup, and add_ema its average.
  std::string deploy = "G";
  // The path-length regulariser's running mean of the lengths (losses.pl_weight > 0; 0-dim, on
  // the run's device), checkpointed as "regularizers.pl_mean".
  Tensor pl_mean;

  // A network trained by the optimizer section /optim/<optim> (G, D, or one the technique
  // declares), over `params` (default: all of the module's), stepped with `steps_with`'s
  // optimizer when that is given. Moved to the run's device, in training mode.
  Network& add_trainable(const std::string& name, nn::ModulePtr module, const std::string& optim,
                         nlohmann::json model = nullptr, std::vector<Tensor> params = {},
                         const std::string& steps_with = "");
  // A frozen teacher from the network reference at spec pointer `pointer`: no optimizer, no
  // gradient into its weights (gradients still flow through it to its input), eval mode, on the
  // run's device, pinned by its file's SHA-256.
  Network& add_teacher(const std::string& name, const std::string& pointer);
  // Network `name` started from the reference at `pointer` (skipped on a resume); `source_net`
  // is taken from a run or ganlite checkpoint when the reference names none.
  void init_from(const std::string& name, const std::string& pointer,
                 const std::string& source_net);
  // Re-creates a trainable network's optimizer over other parameters (a technique giving part
  // of G, e.g. its masks, to an optimizer of its own).
  void set_params(const std::string& name, std::vector<Tensor> params);
  // A network the run keeps in its checkpoints without training it, that the technique writes
  // (CRD's best teacher G so far): frozen, in eval mode, on the run's device; eval, infer,
  // export and bench take it by name like any stored network.
  Network& add_snapshot(const std::string& name, nn::ModulePtr module, nlohmann::json model);
  // After the technique's setup: with spec ema on, network "<deploy>_ema", the moving average
  // of the deploy network (built from its model description), which becomes the deploy network.
  void add_ema();
  // After every step: each average moves toward its network (decay 0, a copy, until
  // ema.start_step).
  void update_averages();
  // An image pool of past fakes for discriminator `d_name` (CycleGAN), of spec losses.pool_size.
  ImagePool& add_pool(const std::string& d_name);
  ImagePool* pool(const std::string& d_name);

  Network* find(const std::string& name);
  const Network* find(const std::string& name) const;
  Network& net(const std::string& name);  // an error lists the run's networks
  const Network& net(const std::string& name) const;
  nn::Module& module(const std::string& name) { return *net(name).module; }
  nn::Optimizer& opt(const std::string& name);  // an error when the network is frozen
  // The optimizers a step of network `name` zeroes and steps: its own, then those of the
  // networks that step with it.
  std::vector<nn::Optimizer*> optimizers(const std::string& name);
  const std::vector<std::unique_ptr<Network>>& networks() const { return networks_; }
  const std::map<std::string, std::unique_ptr<ImagePool>>& pools() const { return pools_; }

  // The batch's tensors moved onto the run's device (a no-op on cpu).
  void to_device(data::Batch& batch) const;
  // Generation: a batch of n latents (gan::latent_shape) from gen, on the run's device (the same
  // numbers on either device).
  Shape latent_shape(int64_t n) const;
  Tensor sample_latent(int64_t n);
  // Generation: n class labels uniform in [0, num_classes) from gen, on the run's device;
  // undefined if unconditional.
  Tensor sample_labels(int64_t n);
  // The epoch the current step belongs to, and the schedule counter (epochs or steps).
  int64_t epoch() const { return step / steps_per_epoch; }
  int64_t schedule_counter() const;
  // Sets every optimizer's lr from the spec's schedule at the current counter, each relative to
  // its section's base lr.
  void apply_schedule();

  // Every tensor of the run's state: "<net>." (state_dict of each trainable network), "opt_<net>."
  // (optimizer state), "pool_<D>.<i>", and the technique's under "technique.".
  TensorMap state_tensors(const Technique* technique) const;
  // `format`: the checkpoint's format version (checkpoint.h).
  void load_state_tensors(const TensorMap& tensors, Technique* technique, int format);
  // Metadata "networks": per network its model, optimizer section and source.
  nlohmann::json networks_json() const;

 private:
  Network& add(std::unique_ptr<Network> net);
  void make_optimizer(Network& net);

  Options options_;
  std::vector<std::unique_ptr<Network>> networks_;
  std::map<std::string, std::unique_ptr<ImagePool>> pools_;
};

// What train() checks before its first step, and `ganlite spec check` too: the batch fits the
// dataset; G makes images of the data's shape and D takes them (batch-1 forwards, in eval mode,
// leaving every network and random generator as they were); on the CPU, a training step's memory,
// estimated from a batch-1 pass, fits this machine. Errors are SpecErrors at the field to change.
void check_setup(Run& run, const data::Dataset& dataset);

}  // namespace ganlite::gan
