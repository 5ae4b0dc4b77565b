// Iteration over N operands that share a logical shape but have their own strides (broadcast
// operands have stride 0). Dims are coalesced first so the inner loop is as long as possible.
#pragma once
#include <cstdint>

namespace ganlite::cpu {

constexpr int kMaxDims = 8;

template <int N>
struct Layout {
  int ndim = 0;
  int64_t shape[kMaxDims] = {};
  int64_t stride[N][kMaxDims] = {};
};

// Merges dim d-1 into d when every operand walks them as one; drops size-1 dims.
template <int N>
Layout<N> coalesce(const Layout<N>& in) {
  Layout<N> out;
  for (int d = 0; d < in.ndim; ++d) {
    if (in.shape[d] == 1) continue;
    bool merge = out.ndim > 0;
    for (int k = 0; k < N && merge; ++k)
      merge = out.stride[k][out.ndim - 1] == in.stride[k][d] * in.shape[d];
    if (merge) {
      out.shape[out.ndim - 1] *= in.shape[d];
      for (int k = 0; k < N; ++k) out.stride[k][out.ndim - 1] = in.stride[k][d];
    } else {
      out.shape[out.ndim] = in.shape[d];
      for (int k = 0; k < N; ++k) out.stride[k][out.ndim] = in.stride[k][d];
      ++out.ndim;
    }
  }
  return out;
}

// Calls row(off[N], len, inner_stride[N]) once per innermost row, rows spread over threads.
template <int N, class F>
void for_each_row(const Layout<N>& layout, F&& row) {
  Layout<N> l = coalesce(layout);
  int64_t inner = l.ndim ? l.shape[l.ndim - 1] : 1;
  int64_t inner_stride[N];
  for (int k = 0; k < N; ++k) inner_stride[k] = l.ndim ? l.stride[k][l.ndim - 1] : 0;
  int64_t rows = 1;
  for (int d = 0; d + 1 < l.ndim; ++d) rows *= l.shape[d];
#pragma omp parallel for schedule(static) if (rows * inner > (1 << 15) && rows > 1)
  for (int64_t r = 0; r < rows; ++r) {
    int64_t off[N] = {};
    int64_t rem = r;
    for (int d = l.ndim - 2; d >= 0; --d) {
      int64_t i = rem % l.shape[d];
      rem /= l.shape[d];
      for (int k = 0; k < N; ++k) off[k] += i * l.stride[k][d];
    }
    row(off, inner, inner_stride);
  }
}

}  // namespace ganlite::cpu
