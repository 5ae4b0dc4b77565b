// ResNet generator: 7x7 stem, two stride-2 downsamplings, n residual blocks at 4*ngf channels,
// two stride-2 transposed convolutions, 7x7 head and tanh (CycleGAN's layer list, in order).
#include "gan/resnet_generator.h"

#include "engine/ops.h"

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

ResnetBlock::ResnetBlock(int64_t dim, Norm norm, bool use_dropout, bool use_bias) {
  conv_block_ = register_module("conv_block", make_shared<nn::Sequential>());
  auto& b = *conv_block_;
  b.push_back(make_shared<nn::ReflectionPad2d>(1));
  b.push_back(make_shared<nn::Conv2d>(dim, dim, Pair{3, 3}, Pair{1, 1}, Pair{0, 0}, Pair{1, 1}, 1,
                                      use_bias));
  b.push_back(make_norm(norm, dim));
  b.push_back(make_shared<nn::ReLU>());
  if (use_dropout) b.push_back(make_shared<nn::Dropout>(0.5));
  b.push_back(make_shared<nn::ReflectionPad2d>(1));
  b.push_back(make_shared<nn::Conv2d>(dim, dim, Pair{3, 3}, Pair{1, 1}, Pair{0, 0}, Pair{1, 1}, 1,
                                      use_bias));
  b.push_back(make_norm(norm, dim));
}

Tensor ResnetBlock::forward(const Tensor& x) {
  return x + (*conv_block_)(x);
}

ResnetGenerator::ResnetGenerator(const ResnetGeneratorOptions& o) {
  GANLITE_CHECK(o.ngf > 0 && o.n_blocks >= 0 && o.input_nc > 0 && o.output_nc > 0,
                "ResnetGenerator: ngf, input_nc and output_nc must be positive and n_blocks >= 0");
  // CycleGAN gives convolutions a bias unless a batch norm follows them.
  const bool bias = o.norm != Norm::batch;
  model_ = register_module("model", make_shared<nn::Sequential>());
  auto& m = *model_;
  m.push_back(make_shared<nn::ReflectionPad2d>(3));
  m.push_back(make_shared<nn::Conv2d>(o.input_nc, o.ngf, Pair{7, 7}, Pair{1, 1}, Pair{0, 0},
                                      Pair{1, 1}, 1, bias));
  m.push_back(make_norm(o.norm, o.ngf));
  m.push_back(make_shared<nn::ReLU>());
  for (int64_t i = 0, mult = 1; i < 2; ++i, mult *= 2) {
    m.push_back(make_shared<nn::Conv2d>(o.ngf * mult, o.ngf * mult * 2, Pair{3, 3}, Pair{2, 2},
                                        Pair{1, 1}, Pair{1, 1}, 1, bias));
    m.push_back(make_norm(o.norm, o.ngf * mult * 2));
    m.push_back(make_shared<nn::ReLU>());
  }
  for (int64_t i = 0; i < o.n_blocks; ++i)
    m.push_back(make_shared<ResnetBlock>(o.ngf * 4, o.norm, o.use_dropout, bias));
  for (int64_t mult = 4; mult > 1; mult /= 2) {
    m.push_back(make_shared<nn::ConvTranspose2d>(o.ngf * mult, o.ngf * mult / 2, Pair{3, 3},
                                                 Pair{2, 2}, Pair{1, 1}, Pair{1, 1}, 1, bias));
    m.push_back(make_norm(o.norm, o.ngf * mult / 2));
    m.push_back(make_shared<nn::ReLU>());
  }
  m.push_back(make_shared<nn::ReflectionPad2d>(3));
  m.push_back(make_shared<nn::Conv2d>(o.ngf, o.output_nc, Pair{7, 7}));
  m.push_back(make_shared<nn::Tanh>());
}

}  // namespace ganlite::gan
