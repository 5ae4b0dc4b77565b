// FD-FMNIST and KID-FMNIST (docs/metrics.md): the Fréchet distance (Heusel et al. 2017, eq. 6) and
// KID (Bińkowski et al. 2018) computed on the 128 hidden activations of our own Fashion-MNIST
// classifier (gan/models/fmnist_classifier.h) instead of Inception's pool3 features, plus the
// classifier's accuracy on generated images (class-conditional models) and real-image loading.
#pragma once
#include <memory>
#include <string>

#include "engine/random.h"
#include "gan/eval/metrics.h"
#include "gan/models/fmnist_classifier.h"

namespace ganlite::gan {

// Fashion-MNIST images with their classes: (N, 1, S, S) f32 in [-1, 1] and (N) i64.
struct FmnistImages {
  Tensor images;
  Tensor labels;
};

// Runs the classifier in eval mode without gradients, `batch_size` images per forward.
//
// Input handling: images are (N, C, H, W), f32 or f64, in [-1, 1].
//   - C = 1 as is; C = 3 is turned to gray by the channel mean (generators with RGB output on a
//     gray dataset); other C are an error.
//   - 28x28: as is.
//   - square and larger than 28 (e.g. 32x32): the centre 28x28 crop, offset (S - 28) / 2. The
//     Fashion-MNIST datasets (nn/data/fashion.h) reach sizes above 28 by centred padding with the
//     background -1 (data::pad_to), so the crop recovers the original image exactly.
//   - any other size (smaller than 28, or not square): bilinear resize to 28x28
//     (data::resize_bilinear: half-pixel centres, no antialiasing).
class FmnistEvaluator {
 public:
  // Loads the classifier from a safetensors file; "" = default_weights_path(). The file holds its
  // state_dict with or without the trainer's "G." prefix (with it, keys without it are ignored);
  // the width is read from features.0.weight. A missing or invalid file is a ganlite::Error that
  // names the path and how to produce it.
  explicit FmnistEvaluator(const std::string& weights_path = "");
  // An already built network (tests use random weights); it is switched to eval mode.
  explicit FmnistEvaluator(std::shared_ptr<FmnistClassifier> net);

  // $GANLITE_FMNIST_CLASSIFIER when set and non-empty, else
  // <source dir>/assets/fmnist_classifier.safetensors.
  static std::string default_weights_path();
  // The first n images (n <= 0: all) of the train (60k) or test (10k) split at side image_size
  // (>= 28; larger sizes are padded with the background, as the training datasets do). root ""
  // follows data::FashionOptions. An error when the files are absent
  // (data::fashion_mnist_available tells beforehand).
  static FmnistImages load_real(int64_t n, bool train = false, int64_t image_size = 28,
                                const std::string& root = "");
  // The classifier's input for `images` as described above: f32 (N, 1, 28, 28).
  static Tensor to_classifier_input(const Tensor& images);

  Tensor features(const Tensor& images);  // (N, 128) f32
  Tensor logits(const Tensor& images);    // (N, 10) f32
  // Fraction of images whose arg-max logit equals the label (labels: (N) i64); ties go to the
  // lower class.
  double class_accuracy(const Tensor& images, const Tensor& labels);
  // FD-FMNIST between two image sets (each N >= 2).
  double fd(const Tensor& images1, const Tensor& images2);
  // KID-FMNIST: gan::kernel_mmd on the features, subsets drawn from gen.
  KidResult kid(const Tensor& images1, const Tensor& images2, Generator& gen,
                const KidOptions& options = {});

  FmnistClassifier& network() { return *net_; }
  const std::string& weights_path() const { return path_; }  // "" when built from a network

  int64_t batch_size = 500;

 private:
  // Applies fn to the prepared images in batches and concatenates the results along dim 0.
  template <class Fn>
  Tensor run(const Tensor& images, Fn fn);

  std::shared_ptr<FmnistClassifier> net_;
  std::string path_;
};

}  // namespace ganlite::gan
