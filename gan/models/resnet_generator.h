// CycleGAN's ResNet generator (Johnson et al. 2016; Zhu et al. 2017) with the parameter names of
// pytorch-CycleGAN-and-pix2pix's ResnetGenerator (model.1.weight, model.10.conv_block.1.weight,
// ...), so its checkpoints load by name.
#pragma once
#include <functional>
#include <string>

#include "engine/ops.h"
#include "nn/layers.h"

namespace ganlite::gan {

enum class Norm { instance, batch, none };
Norm parse_norm(const std::string& name);  // "instance" | "batch" | "none"

struct ResnetGeneratorOptions {
  int64_t input_nc = 3, output_nc = 3, ngf = 64, n_blocks = 9;
  Norm norm = Norm::instance;
  bool use_dropout = false;
  // DMAD's search network: every norm becomes an nn::MaskedNormAct (its mask, the activation
  // fused; the ReLU's place an Identity), so the parameter names are the plain network's plus
  // "<norm>.mask".
  bool masked = false;
};

// x + conv_block(x), conv_block = pad, conv, norm, ReLU, [dropout], pad, conv, norm.
class ResnetBlock : public nn::Module {
 public:
  ResnetBlock(int64_t dim, Norm norm, bool use_dropout, bool use_bias, bool masked = false);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "ResnetBlock"; }

 private:
  std::shared_ptr<nn::Sequential> conv_block_;
};

class ResnetGenerator : public nn::Module {
 public:
  explicit ResnetGenerator(const ResnetGeneratorOptions& o = {});
  Tensor forward(const Tensor& x) override { return (*model_)(x); }
  std::string type_name() const override { return "ResnetGenerator"; }

 private:
  std::shared_ptr<nn::Sequential> model_;
};

// CycleGAN's layer list with `block(dim, use_bias)` for each residual block, so the mobile variant
// (gan/models/mobile_resnet_generator.h) shares the stem, down/up-sampling and head.
using ResidualBlockFactory = std::function<nn::ModulePtr(int64_t dim, bool use_bias)>;
// masked: the stem's, downsampling and upsampling norms masked (ResnetGeneratorOptions::masked).
std::shared_ptr<nn::Sequential> resnet_layers(int64_t input_nc, int64_t output_nc, int64_t ngf,
                                              int64_t n_blocks, Norm norm,
                                              const ResidualBlockFactory& block,
                                              bool masked = false);

// A norm layer of `norm` kind for `channels` (InstanceNorm without affine, as CycleGAN's).
nn::ModulePtr make_norm(Norm norm, int64_t channels);
// Appends norm then ReLU, or with `masked` the MaskedNormAct of that norm with the ReLU fused and
// an Identity in the ReLU's place (the same indices). A masked network needs a norm.
void push_norm_relu(nn::Sequential& m, Norm norm, int64_t channels, bool masked);
// DMAD's gate for a norm of `norm` kind (nn::MaskedNormAct; batch norm affine, instance not).
nn::ModulePtr make_masked_norm(Norm norm, int64_t channels, MaskedNorm::Act act);

}  // namespace ganlite::gan
