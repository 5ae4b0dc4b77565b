// FmnistEvaluator: loads the classifier from safetensors, maps generator outputs of any size onto
// its 28x28 input, and computes FD-FMNIST / KID-FMNIST with gan/eval/metrics.h on its features.
#include "gan/eval/fmnist_eval.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "engine/safetensors.h"
#include "nn/data/fashion.h"
#include "nn/data/transforms.h"

#ifndef GANLITE_SOURCE_DIR
#define GANLITE_SOURCE_DIR "."
#endif

namespace ganlite::gan {
namespace {

constexpr int64_t kSide = FmnistClassifier::kImageSize;

std::string how_to_produce(const std::string& path) {
  return "train the classifier with specs/fmnist_classifier.json (ganlite train "
         "specs/fmnist_classifier.json) and copy its saved weights (under "
         "runs/fmnist_classifier/) to " +
         path + ", or set GANLITE_FMNIST_CLASSIFIER to such a file";
}

// The classifier's state_dict from a checkpoint: the "G." entries with the prefix removed when
// there are any (the trainer saves its networks as G.<name>), else every entry.
TensorMap classifier_state(const TensorMap& all) {
  const std::string prefix = "G.";
  TensorMap g;
  for (const auto& [k, v] : all)
    if (k.compare(0, prefix.size(), prefix) == 0) g[k.substr(prefix.size())] = v;
  return g.empty() ? all : g;
}

std::shared_ptr<FmnistClassifier> load_classifier(const std::string& path) {
  GANLITE_CHECK(std::filesystem::is_regular_file(path),
                "FmnistEvaluator: no classifier weights at ", path, ": ", how_to_produce(path));
  Safetensors file;
  try {
    file = load_safetensors(path);
  } catch (const Error& e) {
    GANLITE_FAIL("FmnistEvaluator: cannot read the classifier weights ", path, " (", e.what(),
                 "); ", how_to_produce(path));
  }
  TensorMap state = classifier_state(file.tensors);
  auto first = state.find("features.0.weight");
  GANLITE_CHECK(first != state.end() && first->second.dim() == 4, "FmnistEvaluator: ", path,
                " holds no fmnist_classifier state_dict (no 4-D features.0.weight, with or "
                "without the G. prefix); ",
                how_to_produce(path));
  FmnistClassifierOptions o;
  o.width = first->second.size(0);
  auto net = std::make_shared<FmnistClassifier>(o);
  try {
    net->load_state_dict(state);
  } catch (const Error& e) {
    GANLITE_FAIL("FmnistEvaluator: ", path, " does not match fmnist_classifier (width ", o.width,
                 "): ", e.what(), "; ", how_to_produce(path));
  }
  return net;
}

}  // namespace

FmnistEvaluator::FmnistEvaluator(const std::string& weights_path)
    : path_(weights_path.empty() ? default_weights_path() : weights_path) {
  net_ = load_classifier(path_);
  net_->eval();
}

FmnistEvaluator::FmnistEvaluator(std::shared_ptr<FmnistClassifier> net) : net_(std::move(net)) {
  GANLITE_CHECK(net_ != nullptr, "FmnistEvaluator: null classifier");
  net_->eval();
}

std::string FmnistEvaluator::default_weights_path() {
  const char* env = std::getenv("GANLITE_FMNIST_CLASSIFIER");
  if (env != nullptr && env[0] != '\0') return env;
  return std::string(GANLITE_SOURCE_DIR) + "/assets/fmnist_classifier.safetensors";
}

FmnistImages FmnistEvaluator::load_real(int64_t n, bool train, int64_t image_size,
                                        const std::string& root) {
  data::FashionOptions o;
  o.root = root;
  o.train = train;
  o.limit = std::max<int64_t>(n, 0);
  o.image_size = image_size;
  data::FashionMnist set(o);
  std::vector<Tensor> images;
  std::vector<int64_t> labels;
  images.reserve(set.size());
  labels.reserve(set.size());
  for (int64_t i = 0; i < set.size(); ++i) {
    images.push_back(set.image(i));
    labels.push_back(set.label(i));
  }
  NoGradGuard no_grad;
  return {stack(images, 0), from_vector<int64_t>(labels, {set.size()})};
}

Tensor FmnistEvaluator::to_classifier_input(const Tensor& images) {
  GANLITE_CHECK(images.defined() && images.dim() == 4, "FmnistEvaluator: expected images (N, C, ",
                "H, W), got ", images.defined() ? images.shape_str() : "an undefined tensor");
  GANLITE_CHECK(is_float(images.dtype()) && images.device() == Device::cpu,
                "FmnistEvaluator: expected f32 or f64 CPU images, got ", dtype_name(images.dtype()),
                " on ", device_name(images.device()));
  const int64_t c = images.size(1), h = images.size(2), w = images.size(3);
  GANLITE_CHECK(c == 1 || c == 3, "FmnistEvaluator: expected 1 or 3 channels, got ",
                images.shape_str());
  NoGradGuard no_grad;
  Tensor x = images.detach().to(DType::f32);
  if (c == 3) x = mean(x, {1}, true);  // gray = channel mean
  if (h == kSide && w == kSide) return x.contiguous();
  if (h == w && h > kSide) {
    // Undoes data::pad_to's centred padding (top = (S - 28) / 2).
    const int64_t top = (h - kSide) / 2;
    return x.slice(2, top, kSide).slice(3, top, kSide).contiguous();
  }
  const int64_t n = x.size(0);
  Tensor out = empty({n, 1, kSide, kSide});
  for (int64_t i = 0; i < n; ++i)
    out.slice(0, i, 1).copy_(
        data::resize_bilinear(x.slice(0, i, 1).squeeze(0), kSide, kSide).unsqueeze(0));
  return out;
}

template <class Fn>
Tensor FmnistEvaluator::run(const Tensor& images, Fn fn) {
  GANLITE_CHECK(batch_size > 0, "FmnistEvaluator: batch_size must be positive, got ", batch_size);
  GANLITE_CHECK(images.defined() && images.dim() == 4 && images.size(0) > 0,
                "FmnistEvaluator: expected a non-empty batch of images (N, C, H, W), got ",
                images.defined() ? images.shape_str() : "an undefined tensor");
  NoGradGuard no_grad;
  net_->eval();
  const int64_t n = images.size(0);
  std::vector<Tensor> outs;
  for (int64_t i = 0; i < n; i += batch_size) {
    const int64_t m = std::min(batch_size, n - i);
    outs.push_back(fn(to_classifier_input(images.slice(0, i, m))));
  }
  return outs.size() == 1 ? outs[0] : concat(outs, 0);
}

Tensor FmnistEvaluator::features(const Tensor& images) {
  return run(images, [&](const Tensor& x) { return net_->features(x); });
}

Tensor FmnistEvaluator::logits(const Tensor& images) {
  return run(images, [&](const Tensor& x) { return (*net_)(x); });
}

double FmnistEvaluator::class_accuracy(const Tensor& images, const Tensor& labels) {
  GANLITE_CHECK(labels.defined() && labels.dim() == 1 && images.defined() && images.dim() >= 1 &&
                    labels.size(0) == images.size(0),
                "FmnistEvaluator::class_accuracy: expected labels (N) for images (N, C, H, W), "
                "got ",
                labels.defined() ? labels.shape_str() : "undefined", " for ",
                images.defined() ? images.shape_str() : "undefined");
  const std::vector<float> l = logits(images).to_vector<float>();
  const std::vector<int64_t> y = labels.to(DType::i64).to_vector<int64_t>();
  const int64_t k = FmnistClassifier::kNumClasses;
  int64_t correct = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    const float* row = l.data() + i * k;
    correct += (std::max_element(row, row + k) - row) == y[i];
  }
  return static_cast<double>(correct) / static_cast<double>(y.size());
}

double FmnistEvaluator::fd(const Tensor& images1, const Tensor& images2) {
  return frechet_distance(features(images1), features(images2));
}

KidResult FmnistEvaluator::kid(const Tensor& images1, const Tensor& images2, Generator& gen,
                               const KidOptions& options) {
  return kernel_mmd(features(images1), features(images2), gen, options);
}

}  // namespace ganlite::gan
