// im2col and col2im on the device, in the layout of kernels/cpu/conv.h: col is (nc*R*S, nb*P*Q),
// row (c, r, s), column (image, p, q). im2col runs one thread per column entry; col2im runs one
// thread per pixel and gathers the entries read from it (in (r, s) order, as the CPU adds them),
// so no two threads write the same pixel and no atomics are needed.
#include "kernels/cuda/conv/registry.h"
#include "kernels/cuda/stream.cuh"

namespace ganlite::cuda {
namespace conv {
namespace {

template <class T>
__global__ void im2col_kernel(ConvShape cs, const T* x, int64_t nb, int64_t c0, int64_t nc,
                              T* col) {
  const int64_t pq = cs.p * cs.q, rs = cs.r * cs.s, cols = nb * pq, n = nc * rs * cols;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t row = i / cols, j = i % cols;
    const int64_t img = j / pq, p = j % pq / cs.q, q = j % cs.q;
    const int64_t c = row / rs, r = row % rs / cs.s, s = row % cs.s;
    const int64_t ih = p * cs.stride_h - cs.pad_h + r * cs.dil_h;
    const int64_t iw = q * cs.stride_w - cs.pad_w + s * cs.dil_w;
    const bool inside = ih >= 0 && ih < cs.h && iw >= 0 && iw < cs.w;
    col[i] = inside ? x[((img * cs.c + c0 + c) * cs.h + ih) * cs.w + iw] : T(0);
  }
}

template <class T>
__global__ void col2im_kernel(ConvShape cs, const T* col, int64_t nb, int64_t c0, int64_t nc, T* x,
                              bool accumulate) {
  const int64_t hw = cs.h * cs.w, pq = cs.p * cs.q, n = nb * nc * hw;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t img = i / (nc * hw), c = i / hw % nc, h = i % hw / cs.w, w = i % cs.w;
    T sum = T(0);
    for (int64_t r = 0; r < cs.r; ++r) {
      const int64_t th = h + cs.pad_h - r * cs.dil_h;
      if (th < 0 || th % cs.stride_h != 0 || th / cs.stride_h >= cs.p) continue;
      const int64_t p = th / cs.stride_h;
      for (int64_t s = 0; s < cs.s; ++s) {
        const int64_t tw = w + cs.pad_w - s * cs.dil_w;
        if (tw < 0 || tw % cs.stride_w != 0 || tw / cs.stride_w >= cs.q) continue;
        const int64_t row = (c * cs.r + r) * cs.s + s;
        sum += col[(row * nb + img) * pq + p * cs.q + tw / cs.stride_w];
      }
    }
    T* dst = x + (img * cs.c + c0 + c) * hw + h * cs.w + w;
    *dst = accumulate ? *dst + sum : sum;
  }
}

}  // namespace

template <class T>
void col2im_into(const ConvShape& cs, const T* col, int64_t nb, int64_t c0, int64_t nc, T* x,
                 bool accumulate) {
  const int64_t n = nb * nc * cs.h * cs.w;
  if (n == 0) return;
  col2im_kernel<<<grid_for(n), kThreads, 0, stream()>>>(cs, col, nb, c0, nc, x, accumulate);
  GANLITE_LAUNCH_CHECK();
}

template void col2im_into<float>(const ConvShape&, const float*, int64_t, int64_t, int64_t, float*,
                                 bool);
template void col2im_into<double>(const ConvShape&, const double*, int64_t, int64_t, int64_t,
                                  double*, bool);

}  // namespace conv

template <class T>
void im2col(const ConvShape& cs, const T* x, int64_t nb, int64_t c0, int64_t nc, T* col) {
  const int64_t n = nc * cs.r * cs.s * nb * cs.p * cs.q;
  if (n == 0) return;
  conv::im2col_kernel<<<grid_for(n), kThreads, 0, stream()>>>(cs, x, nb, c0, nc, col);
  GANLITE_LAUNCH_CHECK();
}

template <class T>
void col2im(const ConvShape& cs, const T* col, int64_t nb, int64_t c0, int64_t nc, T* x) {
  conv::col2im_into(cs, col, nb, c0, nc, x, true);
}

template void im2col<float>(const ConvShape&, const float*, int64_t, int64_t, int64_t, float*);
template void im2col<double>(const ConvShape&, const double*, int64_t, int64_t, int64_t, double*);
template void col2im<float>(const ConvShape&, const float*, int64_t, int64_t, int64_t, float*);
template void col2im<double>(const ConvShape&, const double*, int64_t, int64_t, int64_t, double*);

}  // namespace ganlite::cuda
