// UnetGenerator, built inside out as pix2pix builds it: the innermost ngf*8 block, num_downs-5
// more ngf*8 blocks, then ngf*4, ngf*2, ngf and the outermost block. Biases as pix2pix: none in
// convolutions followed by a batch norm, always in the outermost upconv.
#include "gan/models/unet_generator.h"

#include "engine/ops.h"

namespace ganlite::gan {

using nn::Pair;
using std::make_shared;

UnetSkipConnectionBlock::UnetSkipConnectionBlock(int64_t outer_nc, int64_t inner_nc,
                                                 int64_t input_nc, nn::ModulePtr submodule,
                                                 Kind kind, Norm norm, bool use_dropout,
                                                 bool masked)
    : kind_(kind) {
  GANLITE_CHECK((kind == Kind::innermost) == !submodule,
                "UnetSkipConnectionBlock: only the innermost block has no submodule");
  const bool bias = norm != Norm::batch;
  if (input_nc == 0) input_nc = outer_nc;
  auto conv4x4 = [](int64_t in, int64_t out, bool with_bias) {
    return make_shared<nn::Conv2d>(in, out, Pair{4, 4}, Pair{2, 2}, Pair{1, 1}, Pair{1, 1}, 1,
                                   with_bias);
  };
  auto upconv4x4 = [](int64_t in, int64_t out, bool with_bias) {
    return make_shared<nn::ConvTranspose2d>(in, out, Pair{4, 4}, Pair{2, 2}, Pair{1, 1}, Pair{0, 0},
                                            1, with_bias);
  };
  auto norm_layer = [&](int64_t c) {
    return masked ? make_masked_norm(norm, c, MaskedNorm::Act::none) : make_norm(norm, c);
  };
  model_ = register_module("model", make_shared<nn::Sequential>());
  auto& m = *model_;
  switch (kind) {
    case Kind::outermost:
      m.push_back(conv4x4(input_nc, inner_nc, bias));
      m.push_back(submodule);
      m.push_back(make_shared<nn::ReLU>());
      m.push_back(upconv4x4(inner_nc * 2, outer_nc, true));
      m.push_back(make_shared<nn::Tanh>());
      break;
    case Kind::innermost:
      m.push_back(make_shared<nn::LeakyReLU>(0.2));
      m.push_back(conv4x4(input_nc, inner_nc, bias));
      m.push_back(make_shared<nn::ReLU>());
      m.push_back(upconv4x4(inner_nc, outer_nc, bias));
      m.push_back(norm_layer(outer_nc));
      break;
    case Kind::middle:
      m.push_back(make_shared<nn::LeakyReLU>(0.2));
      m.push_back(conv4x4(input_nc, inner_nc, bias));
      m.push_back(norm_layer(inner_nc));
      m.push_back(submodule);
      m.push_back(make_shared<nn::ReLU>());
      m.push_back(upconv4x4(inner_nc * 2, outer_nc, bias));
      m.push_back(norm_layer(outer_nc));
      if (use_dropout) m.push_back(make_shared<nn::Dropout>(0.5));
      break;
  }
}

Tensor UnetSkipConnectionBlock::forward(const Tensor& x) {
  if (kind_ == Kind::outermost) return (*model_)(x);
  return concat({x, (*model_)(x)}, 1);
}

UnetGenerator::UnetGenerator(const UnetGeneratorOptions& o) {
  GANLITE_CHECK(o.ngf > 0 && o.input_nc > 0 && o.output_nc > 0 && o.num_downs >= 5,
                "UnetGenerator: ngf, input_nc and output_nc must be positive and num_downs >= 5, "
                "got num_downs ",
                o.num_downs);
  using Kind = UnetSkipConnectionBlock::Kind;
  const int64_t g = o.ngf;
  nn::ModulePtr b = make_shared<UnetSkipConnectionBlock>(g * 8, g * 8, 0, nullptr, Kind::innermost,
                                                         o.norm, false, o.masked);
  for (int64_t i = 0; i < o.num_downs - 5; ++i)
    b = make_shared<UnetSkipConnectionBlock>(g * 8, g * 8, 0, b, Kind::middle, o.norm,
                                             o.use_dropout, o.masked);
  for (int64_t mult = 4; mult >= 1; mult /= 2)
    b = make_shared<UnetSkipConnectionBlock>(g * mult, g * mult * 2, 0, b, Kind::middle, o.norm,
                                             false, o.masked);
  model_ = register_module(
      "model", make_shared<UnetSkipConnectionBlock>(o.output_nc, g, o.input_nc, b, Kind::outermost,
                                                    o.norm, false, o.masked));
}

}  // namespace ganlite::gan
