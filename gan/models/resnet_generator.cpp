// ResNet generator: 7x7 stem, two stride-2 downsamplings, n residual blocks at 4*ngf channels,
// two stride-2 transposed convolutions, 7x7 head and tanh (CycleGAN's layer list, in order).
#include "gan/models/resnet_generator.h"

#include "engine/ops.h"
#include "nn/mask.h"

namespace ganlite::gan {

using nn::Pair;
using std::make_shared;

Norm parse_norm(const std::string& name) {
  if (name == "instance") return Norm::instance;
  if (name == "batch") return Norm::batch;
  if (name == "none") return Norm::none;
  GANLITE_FAIL("norm: unknown norm '", name, "' (expected instance, batch or none)");
}

nn::ModulePtr make_norm(Norm norm, int64_t channels) {
  switch (norm) {
    case Norm::instance:
      return make_shared<nn::InstanceNorm2d>(channels);
    case Norm::batch:
      return make_shared<nn::BatchNorm2d>(channels);
    case Norm::none:
      return make_shared<nn::Identity>();
  }
  return nullptr;
}

nn::ModulePtr make_masked_norm(Norm norm, int64_t channels, MaskedNorm::Act act) {
  GANLITE_CHECK(norm != Norm::none,
                "masked generator: DMAD's masks follow a norm; norm 'none' has none to follow");
  return norm == Norm::batch
             ? make_shared<nn::MaskedNormAct>(channels, MaskedNorm::Norm::batch, true, act)
             : make_shared<nn::MaskedNormAct>(channels, MaskedNorm::Norm::instance, false, act);
}

void push_norm_relu(nn::Sequential& m, Norm norm, int64_t channels, bool masked) {
  if (masked) {
    m.push_back(make_masked_norm(norm, channels, MaskedNorm::Act::relu));
    m.push_back(make_shared<nn::Identity>());
  } else {
    m.push_back(make_norm(norm, channels));
    m.push_back(make_shared<nn::ReLU>());
  }
}

ResnetBlock::ResnetBlock(int64_t dim, Norm norm, bool use_dropout, bool use_bias, bool masked) {
  conv_block_ = register_module("conv_block", make_shared<nn::Sequential>());
  auto& b = *conv_block_;
  b.push_back(make_shared<nn::ReflectionPad2d>(1));
  b.push_back(make_shared<nn::Conv2d>(dim, dim, Pair{3, 3}, Pair{1, 1}, Pair{0, 0}, Pair{1, 1}, 1,
                                      use_bias));
  push_norm_relu(b, norm, dim, masked);
  if (use_dropout) b.push_back(make_shared<nn::Dropout>(0.5));
  b.push_back(make_shared<nn::ReflectionPad2d>(1));
  b.push_back(make_shared<nn::Conv2d>(dim, dim, Pair{3, 3}, Pair{1, 1}, Pair{0, 0}, Pair{1, 1}, 1,
                                      use_bias));
  b.push_back(masked ? make_masked_norm(norm, dim, MaskedNorm::Act::none) : make_norm(norm, dim));
}

Tensor ResnetBlock::forward(const Tensor& x) {
  return x + (*conv_block_)(x);
}

std::shared_ptr<nn::Sequential> resnet_layers(int64_t input_nc, int64_t output_nc, int64_t ngf,
                                              int64_t n_blocks, Norm norm,
                                              const ResidualBlockFactory& block, bool masked) {
  GANLITE_CHECK(ngf > 0 && n_blocks >= 0 && input_nc > 0 && output_nc > 0,
                "ResnetGenerator: ngf, input_nc and output_nc must be positive and n_blocks >= 0");
  // CycleGAN gives convolutions a bias unless a batch norm follows them.
  const bool bias = norm != Norm::batch;
  auto model = make_shared<nn::Sequential>();
  auto& m = *model;
  m.push_back(make_shared<nn::ReflectionPad2d>(3));
  m.push_back(make_shared<nn::Conv2d>(input_nc, ngf, Pair{7, 7}, Pair{1, 1}, Pair{0, 0}, Pair{1, 1},
                                      1, bias));
  push_norm_relu(m, norm, ngf, masked);
  for (int64_t i = 0, mult = 1; i < 2; ++i, mult *= 2) {
    m.push_back(make_shared<nn::Conv2d>(ngf * mult, ngf * mult * 2, Pair{3, 3}, Pair{2, 2},
                                        Pair{1, 1}, Pair{1, 1}, 1, bias));
    push_norm_relu(m, norm, ngf * mult * 2, masked);
  }
  for (int64_t i = 0; i < n_blocks; ++i) m.push_back(block(ngf * 4, bias));
  for (int64_t mult = 4; mult > 1; mult /= 2) {
    m.push_back(make_shared<nn::ConvTranspose2d>(ngf * mult, ngf * mult / 2, Pair{3, 3}, Pair{2, 2},
                                                 Pair{1, 1}, Pair{1, 1}, 1, bias));
    push_norm_relu(m, norm, ngf * mult / 2, masked);
  }
  m.push_back(make_shared<nn::ReflectionPad2d>(3));
  m.push_back(make_shared<nn::Conv2d>(ngf, output_nc, Pair{7, 7}));
  m.push_back(make_shared<nn::Tanh>());
  return model;
}

ResnetGenerator::ResnetGenerator(const ResnetGeneratorOptions& o) {
  model_ = register_module("model", resnet_layers(
                                        o.input_nc, o.output_nc, o.ngf, o.n_blocks, o.norm,
                                        [&](int64_t dim, bool bias) {
                                          return make_shared<ResnetBlock>(
                                              dim, o.norm, o.use_dropout, bias, o.masked);
                                        },
                                        o.masked));
}

}  // namespace ganlite::gan
