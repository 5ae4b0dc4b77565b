// MobileResnetGenerator: resnet_layers() with MobileResnetBlock. The separable convolution cuts a
// residual conv's MACs from 9*C^2 to 9*C + C^2 per pixel (about 8x at C = 64).
#include "gan/models/mobile_resnet_generator.h"

#include "engine/ops.h"

namespace ganlite::gan {

using nn::Pair;
using std::make_shared;

SeparableConv2d::SeparableConv2d(int64_t in, int64_t out, int64_t kernel, int64_t padding) {
  conv_ = register_module("conv", make_shared<nn::Sequential>());
  conv_->push_back(make_shared<nn::Conv2d>(in, in, Pair{kernel, kernel}, Pair{1, 1},
                                           Pair{padding, padding}, Pair{1, 1}, in, true));
  conv_->push_back(make_shared<nn::InstanceNorm2d>(in));
  conv_->push_back(make_shared<nn::Conv2d>(in, out, Pair{1, 1}));
}

MobileResnetBlock::MobileResnetBlock(int64_t dim, Norm norm, double dropout_rate, bool masked) {
  conv_block_ = register_module("conv_block", make_shared<nn::Sequential>());
  auto& b = *conv_block_;
  b.push_back(make_shared<nn::ReflectionPad2d>(1));
  b.push_back(make_shared<SeparableConv2d>(dim, dim, 3, 0));
  push_norm_relu(b, norm, dim, masked);
  b.push_back(make_shared<nn::Dropout>(dropout_rate));
  b.push_back(make_shared<nn::ReflectionPad2d>(1));
  b.push_back(make_shared<SeparableConv2d>(dim, dim, 3, 0));
  b.push_back(masked ? make_masked_norm(norm, dim, MaskedNorm::Act::none) : make_norm(norm, dim));
}

Tensor MobileResnetBlock::forward(const Tensor& x) {
  return x + (*conv_block_)(x);
}

MobileResnetGenerator::MobileResnetGenerator(const MobileResnetGeneratorOptions& o) {
  // gan-compression splits the blocks into three groups (n/3, n/3, rest) for its search space;
  // they are identical blocks in sequence, so one loop gives the same list.
  model_ = register_module("model", resnet_layers(
                                        o.input_nc, o.output_nc, o.ngf, o.n_blocks, o.norm,
                                        [&](int64_t dim, bool) {
                                          return make_shared<MobileResnetBlock>(
                                              dim, o.norm, o.dropout_rate, o.masked);
                                        },
                                        o.masked));
}

}  // namespace ganlite::gan
