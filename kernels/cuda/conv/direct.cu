// Version "direct": the reference. One thread per output element of each pass, summing straight
// from the definition of the convolution: fprop one per y element over (c, r, s) of its group,
// dgrad one per dx element over the (k, r, s) that read it, wgrad one per dw element over
// (n, p, q). No shared memory, no tiling, every shape (stride, padding, dilation, groups).
// wgrad's threads run long serial loops (N*P*Q terms each): correct, not fast. Sums are carried
// in double: a thread adds thousands of terms one after another (StyleGAN2's grouped convs:
// 4608 per output), and in float that serial order lost three digits against the CPU's blocked
// GEMM sums in the whole-generator test (docs/results/gpu.md).
#include "kernels/cuda/conv/registry.h"
#include "kernels/cuda/stream.cuh"

namespace ganlite::cuda::conv {
namespace {

template <class T>
__global__ void fprop_kernel(ConvShape cs, const T* x, const T* w, const T* bias, T* y) {
  const int64_t g_c = cs.c / cs.groups, g_k = cs.k / cs.groups, pq = cs.p * cs.q;
  const int64_t n = cs.n * cs.k * pq;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t img = i / (cs.k * pq), k = i / pq % cs.k, p = i % pq / cs.q, q = i % cs.q;
    const int64_t c0 = k / g_k * g_c;
    double sum = bias ? double(bias[k]) : 0.0;
    for (int64_t c = 0; c < g_c; ++c)
      for (int64_t r = 0; r < cs.r; ++r) {
        const int64_t ih = p * cs.stride_h - cs.pad_h + r * cs.dil_h;
        if (ih < 0 || ih >= cs.h) continue;
        for (int64_t s = 0; s < cs.s; ++s) {
          const int64_t iw = q * cs.stride_w - cs.pad_w + s * cs.dil_w;
          if (iw < 0 || iw >= cs.w) continue;
          sum += double(w[((k * g_c + c) * cs.r + r) * cs.s + s]) *
                 double(x[((img * cs.c + c0 + c) * cs.h + ih) * cs.w + iw]);
        }
      }
    y[i] = static_cast<T>(sum);
  }
}

template <class T>
__global__ void dgrad_kernel(ConvShape cs, const T* dy, const T* w, T* dx) {
  const int64_t g_c = cs.c / cs.groups, g_k = cs.k / cs.groups, hw = cs.h * cs.w;
  const int64_t n = cs.n * cs.c * hw;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t img = i / (cs.c * hw), c = i / hw % cs.c, h = i % hw / cs.w, x = i % cs.w;
    const int64_t k0 = c / g_c * g_k, cl = c % g_c;
    double sum = 0;
    for (int64_t k = k0; k < k0 + g_k; ++k)
      for (int64_t r = 0; r < cs.r; ++r) {
        const int64_t th = h + cs.pad_h - r * cs.dil_h;
        if (th < 0 || th % cs.stride_h != 0 || th / cs.stride_h >= cs.p) continue;
        for (int64_t s = 0; s < cs.s; ++s) {
          const int64_t tw = x + cs.pad_w - s * cs.dil_w;
          if (tw < 0 || tw % cs.stride_w != 0 || tw / cs.stride_w >= cs.q) continue;
          sum += double(w[((k * g_c + cl) * cs.r + r) * cs.s + s]) *
                 double(dy[((img * cs.k + k) * cs.p + th / cs.stride_h) * cs.q + tw / cs.stride_w]);
        }
      }
    dx[i] = static_cast<T>(sum);
  }
}

template <class T>
__global__ void wgrad_kernel(ConvShape cs, const T* x, const T* dy, T* dw) {
  const int64_t g_c = cs.c / cs.groups, g_k = cs.k / cs.groups, rs = cs.r * cs.s;
  const int64_t n = cs.k * g_c * rs;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t k = i / (g_c * rs), cl = i / rs % g_c, r = i % rs / cs.s, s = i % cs.s;
    const int64_t c = k / g_k * g_c + cl;
    double sum = 0;
    for (int64_t img = 0; img < cs.n; ++img)
      for (int64_t p = 0; p < cs.p; ++p) {
        const int64_t ih = p * cs.stride_h - cs.pad_h + r * cs.dil_h;
        if (ih < 0 || ih >= cs.h) continue;
        for (int64_t q = 0; q < cs.q; ++q) {
          const int64_t iw = q * cs.stride_w - cs.pad_w + s * cs.dil_w;
          if (iw < 0 || iw >= cs.w) continue;
          sum += double(dy[((img * cs.k + k) * cs.p + p) * cs.q + q]) *
                 double(x[((img * cs.c + c) * cs.h + ih) * cs.w + iw]);
        }
      }
    dw[i] = static_cast<T>(sum);
  }
}

template <class T>
void fprop(const ConvShape& cs, const T* x, const T* w, const T* bias, T* y) {
  const int64_t n = cs.n * cs.k * cs.p * cs.q;
  if (n == 0) return;
  fprop_kernel<<<grid_for(n), kThreads, 0, stream()>>>(cs, x, w, bias, y);
  GANLITE_LAUNCH_CHECK();
}

template <class T>
void dgrad(const ConvShape& cs, const T* dy, const T* w, T* dx) {
  const int64_t n = cs.n * cs.c * cs.h * cs.w;
  if (n == 0) return;
  dgrad_kernel<<<grid_for(n), kThreads, 0, stream()>>>(cs, dy, w, dx);
  GANLITE_LAUNCH_CHECK();
}

template <class T>
void wgrad(const ConvShape& cs, const T* x, const T* dy, T* dw) {
  const int64_t n = cs.k * (cs.c / cs.groups) * cs.r * cs.s;
  if (n == 0) return;
  wgrad_kernel<<<grid_for(n), kThreads, 0, stream()>>>(cs, x, dy, dw);
  GANLITE_LAUNCH_CHECK();
}

bool any_shape(const ConvShape&) {
  return true;
}

}  // namespace

const Version& direct() {
  static const Version v{"direct",
                         any_shape,
                         {fprop<float>, dgrad<float>, wgrad<float>},
                         {fprop<double>, dgrad<double>, wgrad<double>}};
  return v;
}

}  // namespace ganlite::cuda::conv
