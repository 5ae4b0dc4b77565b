// CycleGAN's image buffer (Shrivastava et al. 2017, sec. 2.3; Zhu et al. 2017, sec. 4): the
// discriminator sees a mix of the newest fakes and up to pool_size older ones, which damps
// oscillation. Behaviour of pytorch-CycleGAN-and-pix2pix's util/image_pool.py, with the random
// choices drawn from a Generator the caller owns, so (pool contents, generator) resume exactly.
#pragma once
#include <vector>

#include "engine/random.h"
#include "engine/tensor.h"

namespace ganlite::gan {

class ImagePool {
 public:
  explicit ImagePool(int64_t pool_size = 50);

  // images: (N, ...). Per image, in batch order: while the pool holds fewer than pool_size images
  // the image is stored and returned; once full, with probability 0.5 a uniformly chosen stored
  // image is returned and the new one takes its place, else the new image is returned. Draws per
  // image once full: one uniform, plus one index when swapping. pool_size 0 returns `images`
  // itself; otherwise the result and the stored copies are detached (the pool feeds the D step
  // only).
  Tensor query(const Tensor& images, Generator& gen);

  int64_t capacity() const { return pool_size_; }
  int64_t size() const { return static_cast<int64_t>(images_.size()); }
  // Stored images, each (1, ...), for checkpoints; restore() puts them back after a load.
  const std::vector<Tensor>& images() const { return images_; }
  void restore(std::vector<Tensor> images);

 private:
  int64_t pool_size_;
  std::vector<Tensor> images_;
};

}  // namespace ganlite::gan
