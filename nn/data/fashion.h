// Fashion-MNIST (Xiao et al. 2017; 28x28 gray, 10 classes, IDX files) and tasks derived from it so
// that every model has real data on a machine without image datasets: class-conditional
// generation (the labels), unpaired translation between two class sets (CycleGAN-style) and
// paired edges -> item (pix2pix-style, edges from a thresholded Sobel magnitude).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "nn/data/dataset.h"

namespace ganlite::data {

extern const char* const kFashionClasses[10];

struct FashionOptions {
  std::string root;         // "" = $GANLITE_FASHION_MNIST, else /usr/share/datasets/fashion-mnist
  bool train = true;        // train (60k) or test (10k) split
  int64_t limit = 0;        // first `limit` examples when > 0
  int64_t image_size = 28;  // > 28 pads with background (-1), e.g. 32 for the 32x32 models
};

// The folder that FashionOptions::root resolves to.
std::string fashion_mnist_root(const std::string& root = "");
bool fashion_mnist_available(const std::string& root = "");

// Examples: a = f32 (1, S, S) in [-1, 1], label = class; b undefined.
class FashionMnist : public Dataset {
 public:
  explicit FashionMnist(const FashionOptions& options = {});
  int64_t size() const override { return labels_.numel(); }
  Tensor image(int64_t i) const;  // (1, S, S), a view into the loaded set
  int64_t label(int64_t i) const { return labels_.data<int64_t>()[i]; }
  // Indices of the examples whose class is in `classes`, in order.
  std::vector<int64_t> indices_of(const std::vector<int64_t>& classes) const;

 protected:
  Example load(int64_t index, Generator& gen) const override;

 private:
  Tensor images_;  // (N, 1, S, S)
  Tensor labels_;  // (N) i64
};

// Unpaired translation: a from classes_a, b drawn uniformly and independently from classes_b (as
// CycleGAN's unaligned dataset). size() = max(|A|, |B|); index i takes A[i mod |A|]. label = -1.
class FashionUnpaired : public Dataset {
 public:
  FashionUnpaired(std::shared_ptr<const FashionMnist> base, std::vector<int64_t> classes_a = {7},
                  std::vector<int64_t> classes_b = {9});
  int64_t size() const override;
  const std::vector<int64_t>& indices_a() const { return a_; }
  const std::vector<int64_t>& indices_b() const { return b_; }

 protected:
  Example load(int64_t index, Generator& gen) const override;

 private:
  std::shared_ptr<const FashionMnist> base_;
  std::vector<int64_t> a_, b_;
};

// Paired edges -> item: a = sobel_edges(item) (1 on edges, -1 elsewhere), b = the item, label =
// its class.
class FashionEdges : public Dataset {
 public:
  explicit FashionEdges(std::shared_ptr<const FashionMnist> base, double threshold = 1.0);
  int64_t size() const override { return base_->size(); }

 protected:
  Example load(int64_t index, Generator& gen) const override;

 private:
  std::shared_ptr<const FashionMnist> base_;
  double threshold_;
};

}  // namespace ganlite::data
