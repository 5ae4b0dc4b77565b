// The mobile ResNet generator of GAN Compression (Li et al. 2020, mit-han-lab/gan-compression's
// MobileResnetGenerator): CycleGAN's ResNet generator whose residual 3x3 convolutions are
// depthwise-separable. Same layer list and parameter names (model.10.conv_block.1.conv.0.weight).
#pragma once
#include "gan/models/resnet_generator.h"

namespace ganlite::gan {

struct MobileResnetGeneratorOptions {
  int64_t input_nc = 3, output_nc = 3, ngf = 64, n_blocks = 9;
  Norm norm = Norm::instance;
  double dropout_rate = 0;  // gan-compression's --dropout_rate; the Dropout layer is always there
  bool masked = false;      // DMAD's search network, as ResnetGeneratorOptions::masked
};

// conv = depthwise 3x3 (groups = channels), InstanceNorm2d, pointwise 1x1. Both convolutions
// have biases and the middle norm is always a non-affine InstanceNorm: gan-compression builds it
// with SeparableConv2d's defaults whatever the generator's norm.
class SeparableConv2d : public nn::Module {
 public:
  SeparableConv2d(int64_t in, int64_t out, int64_t kernel, int64_t padding);
  Tensor forward(const Tensor& x) override { return (*conv_)(x); }
  std::string type_name() const override { return "SeparableConv2d"; }

 private:
  std::shared_ptr<nn::Sequential> conv_;
};

// x + conv_block(x), conv_block = pad, sepconv, norm, ReLU, dropout, pad, sepconv, norm.
class MobileResnetBlock : public nn::Module {
 public:
  MobileResnetBlock(int64_t dim, Norm norm, double dropout_rate, bool masked = false);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "MobileResnetBlock"; }

 private:
  std::shared_ptr<nn::Sequential> conv_block_;
};

class MobileResnetGenerator : public nn::Module {
 public:
  explicit MobileResnetGenerator(const MobileResnetGeneratorOptions& o = {});
  Tensor forward(const Tensor& x) override { return (*model_)(x); }
  std::string type_name() const override { return "MobileResnetGenerator"; }

 private:
  std::shared_ptr<nn::Sequential> model_;
};

}  // namespace ganlite::gan
