// ImagePool: CycleGAN's history buffer of generated images (see image_pool.h).
#include "gan/train/image_pool.h"

#include "engine/error.h"
#include "engine/ops.h"

namespace ganlite::gan {

ImagePool::ImagePool(int64_t pool_size) : pool_size_(pool_size) {
  GANLITE_CHECK(pool_size >= 0, "ImagePool: pool_size must be non-negative, got ", pool_size);
}

Tensor ImagePool::query(const Tensor& images, Generator& gen) {
  GANLITE_CHECK(images.defined() && images.dim() >= 1 && images.size(0) > 0,
                "ImagePool: expected a non-empty batch (N, ...), got ",
                images.defined() ? images.shape_str() : std::string("undefined"));
  if (pool_size_ == 0) return images;
  if (!images_.empty()) {
    Shape want = images_.front().shape(), got = images.shape();
    got[0] = 1;
    GANLITE_CHECK(want == got, "ImagePool: image of shape ", shape_str(got),
                  " does not match the stored ", shape_str(want));
  }
  std::vector<Tensor> out;
  for (int64_t i = 0; i < images.size(0); ++i) {
    // A copy, so that later in-place writes to the batch cannot change what the pool holds.
    Tensor img = images.slice(0, i, 1).detach().clone();
    if (size() < pool_size_) {
      images_.push_back(img);
      out.push_back(img);
      continue;
    }
    if (rand({1}, gen, DType::f64).item() > 0.5) {
      int64_t k = static_cast<int64_t>(randint(0, pool_size_, {1}, gen).item());
      out.push_back(images_[k]);
      images_[k] = img;
    } else {
      out.push_back(img);
    }
  }
  return concat(out, 0);
}

void ImagePool::restore(std::vector<Tensor> images) {
  GANLITE_CHECK(static_cast<int64_t>(images.size()) <= pool_size_, "ImagePool: restoring ",
                images.size(), " images into a pool of size ", pool_size_);
  for (const Tensor& t : images)
    GANLITE_CHECK(
        t.defined() && t.dim() >= 1 && t.size(0) == 1 && t.shape() == images.front().shape(),
        "ImagePool: restored images must all have the same shape (1, ...), got ",
        t.defined() ? t.shape_str() : std::string("undefined"));
  images_.clear();
  for (const Tensor& t : images) images_.push_back(t.detach().clone());
}

}  // namespace ganlite::gan
