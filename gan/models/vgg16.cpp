#include "gan/models/vgg16.h"

namespace ganlite::gan {

namespace {

// The layers after which a tap is taken: relu1_2, relu2_2, relu3_3, relu4_3.
constexpr size_t kTaps[] = {3, 8, 15, 22};

}  // namespace

Vgg16Features::Vgg16Features(const Vgg16Options& o) {
  features_ = register_module("features", std::make_shared<nn::Sequential>());
  const int64_t w = o.width;
  const std::vector<std::vector<int64_t>> blocks = {
      {w, w}, {2 * w, 2 * w}, {4 * w, 4 * w, 4 * w}, {8 * w, 8 * w, 8 * w}};
  int64_t in = o.input_nc;
  for (size_t b = 0; b < blocks.size(); ++b) {
    if (b > 0) features_->push_back(std::make_shared<nn::MaxPool2d>(2));
    for (int64_t out : blocks[b]) {
      features_->push_back(
          std::make_shared<nn::Conv2d>(in, out, nn::Pair{3, 3}, nn::Pair{1, 1}, nn::Pair{1, 1}));
      features_->push_back(std::make_shared<nn::ReLU>());
      in = out;
    }
  }
}

Tensor Vgg16Features::forward(const Tensor& x) {
  return taps(x).back();
}

std::vector<Tensor> Vgg16Features::taps(const Tensor& x) {
  std::vector<Tensor> out;
  Tensor h = x;
  for (size_t i = 0; i <= kTaps[3]; ++i) {
    h = (*features_)[i](h);
    if (i == kTaps[out.size()]) out.push_back(h);
  }
  return out;
}

}  // namespace ganlite::gan
