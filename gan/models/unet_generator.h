// pix2pix's U-Net generator (Isola et al. 2017; Ronneberger et al. 2015) as
// pytorch-CycleGAN-and-pix2pix's UnetGenerator: nested UnetSkipConnectionBlocks with the same
// layer lists and so the same parameter names (model.model.1.model.3.model.1.weight, ...).
#pragma once
#include "gan/models/resnet_generator.h"

namespace ganlite::gan {

struct UnetGeneratorOptions {
  // num_downs 8 takes 256x256 to a 1x1 bottleneck; the input side must be divisible by
  // 2^num_downs.
  int64_t input_nc = 3, output_nc = 3, num_downs = 8, ngf = 64;
  Norm norm = Norm::batch;
  bool use_dropout = false;  // Dropout(0.5) in the ngf*8 middle blocks
  // DMAD's search network: every norm an nn::MaskedNormAct without activation (the activations
  // open the next block), the plain network's names plus "<norm>.mask".
  bool masked = false;
};

// One level: down = [LeakyReLU(0.2)], Conv 4x4 s2, [norm]; then the submodule; then up = ReLU,
// ConvTranspose 4x4 s2, norm (Tanh at the outermost). Every level but the outermost returns
// cat([x, model(x)], 1), which is why the upconvs above the innermost take 2*inner channels.
class UnetSkipConnectionBlock : public nn::Module {
 public:
  enum class Kind { outermost, middle, innermost };
  // input_nc 0 means outer_nc; submodule is null for the innermost block.
  UnetSkipConnectionBlock(int64_t outer_nc, int64_t inner_nc, int64_t input_nc,
                          nn::ModulePtr submodule, Kind kind, Norm norm, bool use_dropout,
                          bool masked = false);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "UnetSkipConnectionBlock"; }

 private:
  std::shared_ptr<nn::Sequential> model_;
  Kind kind_;
};

class UnetGenerator : public nn::Module {
 public:
  explicit UnetGenerator(const UnetGeneratorOptions& o = {});
  Tensor forward(const Tensor& x) override { return (*model_)(x); }
  std::string type_name() const override { return "UnetGenerator"; }

 private:
  std::shared_ptr<UnetSkipConnectionBlock> model_;
};

}  // namespace ganlite::gan
