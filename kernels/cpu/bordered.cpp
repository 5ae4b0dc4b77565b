#include "kernels/cpu/bordered.h"

#include <algorithm>

#include "kernels/cpu/allocator.h"

namespace ganlite::cpu {

Buffer::Buffer(int64_t floats)
    : bytes_(std::max<int64_t>(1, floats) * sizeof(float)),
      data_(static_cast<float*>(alloc(bytes_))) {}

Buffer::~Buffer() {
  release(data_, bytes_);
}

void border(const float* src, int64_t count, int64_t h, int64_t w, int64_t top, int64_t left,
            int64_t rows, int64_t ld, float* dst) {
#pragma omp parallel for schedule(static) if (count * rows * ld > (1 << 15))
  for (int64_t i = 0; i < count; ++i) {
    const float* s = src + i * h * w;
    float* d = dst + i * rows * ld;
    for (int64_t r = 0; r < rows; ++r, d += ld) {
      const int64_t ih = r - top;
      if (ih < 0 || ih >= h) {
        std::fill(d, d + ld, 0.f);
        continue;
      }
      std::fill(d, d + left, 0.f);
      std::copy(s + ih * w, s + ih * w + w, d + left);
      std::fill(d + left + w, d + ld, 0.f);
    }
  }
}

}  // namespace ganlite::cpu
