// IDX files (the MNIST / Fashion-MNIST format), plain or gzip-compressed, read through zlib.
#pragma once
#include <string>

#include "engine/tensor.h"

namespace ganlite {

// Images as f32 (N, 1, H, W) scaled to [-1, 1]; at most `limit` images when limit > 0.
Tensor read_idx_images(const std::string& path, int64_t limit = 0);
// Labels as i64 (N).
Tensor read_idx_labels(const std::string& path, int64_t limit = 0);

}  // namespace ganlite
