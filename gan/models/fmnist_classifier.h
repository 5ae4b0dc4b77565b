// The Fashion-MNIST classifier whose penultimate activations are the feature space of FD-FMNIST
// and KID-FMNIST (docs/metrics.md), in place of the Inception network of FID (Heusel et al. 2017)
// that cannot be downloaded here. A small VGG-style CNN: 3x3 convolutions with BatchNorm, strided
// convolutions instead of pooling, one 128-wide hidden layer (the features), 10 logits.
#pragma once
#include <vector>

#include "nn/layers.h"

namespace ganlite::gan {

struct FmnistClassifierOptions {
  int64_t width = 32;  // channels of the 28x28 and 14x14 stages; the 7x7 stages have 2 * width
};

// Layers and PyTorch-style names (w = width):
//   features.0  Conv2d(1, w, 3, p1)        28x28   features.1 BN, features.2 ReLU
//   features.3  Conv2d(w, w, 3, s2, p1)    14x14   features.4 BN, features.5 ReLU
//   features.6  Conv2d(w, 2w, 3, p1)       14x14   features.7 BN, features.8 ReLU
//   features.9  Conv2d(2w, 2w, 3, s2, p1)   7x7    features.10 BN, features.11 ReLU
//   flatten (N, 2w * 49)
//   embed.0     Linear(2w * 49, 128), embed.1 ReLU   -> the 128 features
//   classifier  Linear(128, 10)                      -> logits
// Convolutions have no bias (BatchNorm follows). About 7.8M MACs and 0.47M parameters at w = 32.
class FmnistClassifier : public nn::Module {
 public:
  static constexpr int64_t kFeatureDim = 128;
  static constexpr int64_t kNumClasses = 10;
  static constexpr int64_t kImageSize = 28;

  explicit FmnistClassifier(const FmnistClassifierOptions& o = {});
  // x: (N, 1, 28, 28) in [-1, 1] -> logits (N, 10).
  Tensor forward(const Tensor& x) override;
  // x: (N, 1, 28, 28) in [-1, 1] -> (N, 128) post-ReLU activations of the hidden layer.
  Tensor features(const Tensor& x);
  // The ReLU outputs of the four conv blocks (features.2, .5, .8, .11): the taps of perceptual
  // losses on Fashion-MNIST (CRD's style and feature terms, where VGG16 cannot be had). The
  // convolutional part takes (N, 1, H, W) of any size.
  std::vector<Tensor> conv_taps(const Tensor& x);
  std::string type_name() const override { return "FmnistClassifier"; }
  int64_t width() const { return width_; }

 private:
  std::shared_ptr<nn::Sequential> features_, embed_;
  std::shared_ptr<nn::Linear> classifier_;
  int64_t width_;
};

}  // namespace ganlite::gan
