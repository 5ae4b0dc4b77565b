// What the CPU and CUDA caching allocators (kernels/{cpu,cuda}/allocator) share: size classes
// and the statistics they report.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace ganlite {

// Multiples of 512 B up to 1 MiB, then steps of 1/8 of the power of two below (at most 12.5 %
// waste), so repeated shapes hit exact free lists.
inline size_t size_class(size_t bytes) {
  if (bytes <= (1u << 20)) return (std::max<size_t>(bytes, 1) + 511) / 512 * 512;
  const size_t top = size_t(1) << (63 - __builtin_clzll(bytes));
  const size_t step = top / 8;
  return (bytes + step - 1) / step * step;
}

struct MemoryStats {
  size_t in_use = 0;    // bytes handed out (rounded sizes)
  size_t peak = 0;      // high-water mark of in_use
  size_t cached = 0;    // bytes held on free lists
  int64_t mallocs = 0;  // calls to the system allocator (cudaMalloc, aligned_alloc) so far
};

}  // namespace ganlite
