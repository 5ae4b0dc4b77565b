// PatchGAN discriminator (Isola et al. 2017): pytorch-CycleGAN-and-pix2pix's NLayerDiscriminator,
// same layer list and parameter names (model.0.weight, ...); 70x70 receptive field at n_layers 3.
#pragma once
#include "gan/models/resnet_generator.h"

namespace ganlite::gan {

struct PatchGanOptions {
  int64_t input_nc = 3, ndf = 64, n_layers = 3;
  Norm norm = Norm::batch;
};

class NLayerDiscriminator : public nn::Module {
 public:
  explicit NLayerDiscriminator(const PatchGanOptions& o = {});
  Tensor forward(const Tensor& x) override { return (*model_)(x); }
  std::string type_name() const override { return "NLayerDiscriminator"; }

 private:
  std::shared_ptr<nn::Sequential> model_;
};

}  // namespace ganlite::gan
