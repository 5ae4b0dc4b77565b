// Zero-bordered copies of image planes, for the direct convolution kernels that read a filter's
// whole footprint without bounds tests (conv_narrow.cpp, conv_winograd.cpp), and the scratch
// block they live in.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ganlite::cpu {

// A block of floats from the host caching allocator (no page faults when a size is reused),
// released on scope exit. Contents are undefined.
class Buffer {
 public:
  explicit Buffer(int64_t floats);
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  float* get() const { return data_; }

 private:
  size_t bytes_;
  float* data_;
};

inline int64_t round_up(int64_t v, int64_t m) {
  return (v + m - 1) / m * m;
}

// `count` planes of h x w at src, copied into zero-bordered planes of rows x ld at dst with the
// image at row `top`, column `left` (rows >= top + h, ld >= left + w). Planes run in parallel.
void border(const float* src, int64_t count, int64_t h, int64_t w, int64_t top, int64_t left,
            int64_t rows, int64_t ld, float* dst);

}  // namespace ganlite::cpu
