// Image transforms on f32 (C, H, W) tensors in [-1, 1]: bilinear resize, crop, flip, padding,
// Sobel edges, and the CycleGAN/pix2pix preprocess pipeline (resize to load_size, random crop to
// crop_size, random horizontal flip). Random choices are drawn from a Generator, then applied, so
// the two halves of a pix2pix pair get the same crop and flip.
#pragma once
#include <string>

#include "engine/random.h"
#include "engine/tensor.h"

namespace ganlite::data {

// Bilinear with half-pixel centres and no antialiasing (PyTorch's align_corners=false).
Tensor resize_bilinear(const Tensor& x, int64_t height, int64_t width);
Tensor crop(const Tensor& x, int64_t top, int64_t left, int64_t height, int64_t width);
Tensor random_crop(const Tensor& x, int64_t height, int64_t width, Generator& gen);
Tensor hflip(const Tensor& x);
// Centred padding up to (height, width) with `value` (-1: black, the Fashion-MNIST background).
Tensor pad_to(const Tensor& x, int64_t height, int64_t width, float value = -1.0f);
// Maps values in [lo, hi] linearly onto [-1, 1] (e.g. lo = 0, hi = 255 for raw bytes).
Tensor normalize_to_unit(const Tensor& x, double lo, double hi);
// Sobel gradient magnitude of the channel mean (as [0, 1] intensities, replicated borders),
// thresholded: f32 (1, H, W) with 1 on edges and -1 elsewhere.
Tensor sobel_edges(const Tensor& x, double threshold = 1.0);

struct Preprocess {
  // resize_and_crop: resize to load_size, random crop_size crop (training, as CycleGAN);
  // crop: random crop_size crop of the original; resize: resize to crop_size (evaluation);
  // none: keep the image as it is.
  std::string mode = "resize_and_crop";
  int64_t load_size = 286;
  int64_t crop_size = 256;
  bool flip = true;  // random horizontal flip
};

struct Augment {
  int64_t top = 0, left = 0;
  bool flip = false;
};

void check_preprocess(const Preprocess& p);
// The smallest image side the pipeline accepts (crop_size for "crop", else 1).
int64_t min_image_side(const Preprocess& p);
// Draws the crop offsets and the flip for an input of (height, width); always three draws.
Augment draw_augment(const Preprocess& p, int64_t height, int64_t width, Generator& gen);
Tensor apply_preprocess(const Preprocess& p, const Tensor& x, const Augment& aug);

}  // namespace ganlite::data
