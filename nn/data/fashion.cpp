// Fashion-MNIST through engine/idx.h (the Debian package ships the gzip files), held in memory
// (60k x 28 x 28 f32 = 188 MB), and the derived tasks, which index into it without copies.
#include "nn/data/fashion.h"

#include <cstdlib>
#include <filesystem>

#include "engine/idx.h"
#include "nn/data/transforms.h"

namespace ganlite::data {
namespace fs = std::filesystem;

const char* const kFashionClasses[10] = {"T-shirt/top", "Trouser",   "Pullover", "Dress",
                                         "Coat",        "Sandal",    "Shirt",    "Sneaker",
                                         "Bag",         "Ankle boot"};

namespace {

const char* const kDefaultRoot = "/usr/share/datasets/fashion-mnist";

// The gzip file or, if someone unpacked it, the plain one.
std::string idx_file(const std::string& root, const std::string& stem) {
  for (const std::string& name : {stem + ".gz", stem})
    if (fs::exists(fs::path(root) / name)) return (fs::path(root) / name).string();
  GANLITE_FAIL("fashion-mnist: ", root, " has no ", stem, "[.gz] (install the Debian package ",
               "dataset-fashion-mnist, or set FashionOptions::root or $GANLITE_FASHION_MNIST)");
}

std::string stem_of(bool train, const char* kind) {
  return std::string(train ? "train" : "t10k") + "-" + kind;
}

}  // namespace

std::string fashion_mnist_root(const std::string& root) {
  if (!root.empty()) return root;
  const char* env = std::getenv("GANLITE_FASHION_MNIST");
  return env && *env ? env : kDefaultRoot;
}

bool fashion_mnist_available(const std::string& root) {
  std::string r = fashion_mnist_root(root);
  return fs::exists(fs::path(r) / "train-images-idx3-ubyte.gz") ||
         fs::exists(fs::path(r) / "train-images-idx3-ubyte");
}

FashionMnist::FashionMnist(const FashionOptions& options) {
  std::string root = fashion_mnist_root(options.root);
  GANLITE_CHECK(options.image_size >= 28, "fashion-mnist: image_size ", options.image_size,
                " is smaller than the 28x28 images (it pads, never crops)");
  images_ =
      read_idx_images(idx_file(root, stem_of(options.train, "images-idx3-ubyte")), options.limit);
  labels_ =
      read_idx_labels(idx_file(root, stem_of(options.train, "labels-idx1-ubyte")), options.limit);
  GANLITE_CHECK(images_.size(0) == labels_.numel(), "fashion-mnist: ", root, " has ",
                images_.size(0), " images but ", labels_.numel(), " labels");
  const int64_t s = options.image_size;
  if (s != images_.size(2)) {
    Tensor padded = empty({images_.size(0), 1, s, s});
    for (int64_t i = 0; i < images_.size(0); ++i)
      padded.slice(0, i, 1).copy_(pad_to(images_.slice(0, i, 1).squeeze(0), s, s).unsqueeze(0));
    images_ = padded;
  }
}

Tensor FashionMnist::image(int64_t i) const {
  return images_.slice(0, i, 1).squeeze(0);
}

std::vector<int64_t> FashionMnist::indices_of(const std::vector<int64_t>& classes) const {
  std::vector<int64_t> out;
  for (int64_t i = 0; i < size(); ++i)
    for (int64_t c : classes)
      if (label(i) == c) out.push_back(i);
  return out;
}

Example FashionMnist::load(int64_t index, Generator&) const {
  return {image(index), Tensor(), label(index)};
}

FashionUnpaired::FashionUnpaired(std::shared_ptr<const FashionMnist> base,
                                 std::vector<int64_t> classes_a, std::vector<int64_t> classes_b)
    : base_(std::move(base)) {
  GANLITE_CHECK(base_, "fashion unpaired: no base dataset");
  for (const auto* set : {&classes_a, &classes_b}) {
    GANLITE_CHECK(!set->empty(), "fashion unpaired: empty class set");
    for (int64_t c : *set)
      GANLITE_CHECK(c >= 0 && c < 10, "fashion unpaired: class ", c, " is not in 0..9");
  }
  a_ = base_->indices_of(classes_a);
  b_ = base_->indices_of(classes_b);
  GANLITE_CHECK(!a_.empty() && !b_.empty(), "fashion unpaired: no examples of domain ",
                a_.empty() ? "A" : "B", " in the loaded split (limit too small?)");
}

int64_t FashionUnpaired::size() const {
  return static_cast<int64_t>(std::max(a_.size(), b_.size()));
}

Example FashionUnpaired::load(int64_t index, Generator& gen) const {
  int64_t j = randint(0, static_cast<int64_t>(b_.size()), {1}, gen).data<int64_t>()[0];
  return {base_->image(a_[index % a_.size()]), base_->image(b_[j]), -1};
}

FashionEdges::FashionEdges(std::shared_ptr<const FashionMnist> base, double threshold)
    : base_(std::move(base)), threshold_(threshold) {
  GANLITE_CHECK(base_, "fashion edges: no base dataset");
}

Example FashionEdges::load(int64_t index, Generator&) const {
  Tensor item = base_->image(index);
  return {sobel_edges(item, threshold_), item, base_->label(index)};
}

}  // namespace ganlite::data
