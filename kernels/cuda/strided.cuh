// Device-side walk of a cpu::Layout (the same struct the CPU kernels take): element i's offset
// in each operand. Layouts are coalesced on the host first, so most walks are one or two dims.
#pragma once
#include "kernels/cpu/strided.h"

namespace ganlite::cuda {

using cpu::Layout;

template <int N>
__device__ inline void layout_offsets(const Layout<N>& l, int64_t i, int64_t (&off)[N]) {
#pragma unroll
  for (int k = 0; k < N; ++k) off[k] = 0;
  for (int d = l.ndim - 1; d >= 0; --d) {
    int64_t idx = i % l.shape[d];
    i /= l.shape[d];
#pragma unroll
    for (int k = 0; k < N; ++k) off[k] += idx * l.stride[k][d];
  }
}

template <int N>
inline int64_t layout_numel(const Layout<N>& l) {
  int64_t n = 1;
  for (int d = 0; d < l.ndim; ++d) n *= l.shape[d];
  return n;
}

// True when every operand is dense in the same row-major order (after coalescing: one dim of
// stride 1, or no dims at all).
template <int N>
inline bool layout_dense(const Layout<N>& l) {
  if (l.ndim == 0) return true;
  if (l.ndim != 1) return false;
  for (int k = 0; k < N; ++k)
    if (l.stride[k][0] != 1) return false;
  return true;
}

}  // namespace ganlite::cuda
