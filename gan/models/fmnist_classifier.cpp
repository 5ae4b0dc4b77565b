// FmnistClassifier: the layer list of gan/models/fmnist_classifier.h. Strided 3x3 convolutions
// halve the grid (28 -> 14 -> 7), so the cost stays near 8M MACs per image and an epoch of
// Fashion-MNIST trains in a minute or two on two CPU cores.
#include "gan/models/fmnist_classifier.h"

#include "engine/ops.h"

namespace ganlite::gan {

using nn::Pair;
using std::make_shared;

FmnistClassifier::FmnistClassifier(const FmnistClassifierOptions& o) : width_(o.width) {
  GANLITE_CHECK(o.width > 0, "FmnistClassifier: width must be positive, got ", o.width);
  features_ = register_module("features", make_shared<nn::Sequential>());
  auto block = [&](int64_t in, int64_t out, int64_t stride) {
    features_->push_back(make_shared<nn::Conv2d>(in, out, Pair{3, 3}, Pair{stride, stride},
                                                 Pair{1, 1}, Pair{1, 1}, 1, false));
    features_->push_back(make_shared<nn::BatchNorm2d>(out));
    features_->push_back(make_shared<nn::ReLU>());
  };
  const int64_t w = o.width;
  block(1, w, 1);
  block(w, w, 2);
  block(w, 2 * w, 1);
  block(2 * w, 2 * w, 2);
  embed_ = register_module("embed", make_shared<nn::Sequential>());
  embed_->push_back(make_shared<nn::Linear>(2 * w * 7 * 7, kFeatureDim));
  embed_->push_back(make_shared<nn::ReLU>());
  classifier_ = register_module("classifier", make_shared<nn::Linear>(kFeatureDim, kNumClasses));
}

Tensor FmnistClassifier::features(const Tensor& x) {
  const Shape& s = x.shape();
  // Other sizes would only fail later in the Linear layer with a less useful message.
  GANLITE_CHECK(s.size() == 4 && s[1] == 1 && s[2] == kImageSize && s[3] == kImageSize,
                "FmnistClassifier: expected images of shape (N, 1, 28, 28), got ", x.shape_str(),
                " (gan::FmnistEvaluator crops or resizes other sizes)");
  return (*embed_)((*features_)(x).flatten(1));
}

std::vector<Tensor> FmnistClassifier::conv_taps(const Tensor& x) {
  GANLITE_CHECK(x.dim() == 4 && x.size(1) == 1,
                "FmnistClassifier: expected images of shape (N, 1, H, W), got ", x.shape_str());
  std::vector<Tensor> taps;
  Tensor h = x;
  for (size_t i = 0; i < features_->size(); ++i) {
    h = (*features_)[i](h);
    if (i % 3 == 2) taps.push_back(h);  // each block: conv, batch norm, ReLU
  }
  return taps;
}

Tensor FmnistClassifier::forward(const Tensor& x) {
  return (*classifier_)(features(x));
}

}  // namespace ganlite::gan
