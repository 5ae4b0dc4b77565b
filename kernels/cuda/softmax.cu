// Softmax kernels. When the softmax dim is the last (inner == 1), a block owns a row and reduces
// it with block_reduce; otherwise a thread owns one (outer, inner) column and walks its n values
// with stride `inner`, so neighbouring threads read neighbouring addresses. Arithmetic is in
// double, as on the CPU.
#include <cmath>
#include <limits>

#include "kernels/cuda/block_reduce.cuh"
#include "kernels/cuda/softmax.h"
#include "kernels/cuda/stream.cuh"

namespace ganlite::cuda {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

template <class T>
__global__ void softmax_rows_kernel(T* y, const T* x, int64_t rows, int64_t n, bool log) {
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* xp = x + r * n;
    T* yp = y + r * n;
    double mx = -kInf, sum = 0;
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) mx = Max()(mx, double(xp[j]));
    mx = block_reduce(mx, Max(), -kInf);
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) sum += ::exp(double(xp[j]) - mx);
    sum = block_reduce(sum, Add(), 0.0);
    const double lse = mx + ::log(sum);
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x)
      yp[j] = static_cast<T>(log ? double(xp[j]) - lse : ::exp(double(xp[j]) - mx) / sum);
  }
}

template <class T>
__global__ void softmax_columns_kernel(T* y, const T* x, int64_t outer, int64_t n, int64_t inner,
                                       bool log) {
  for (int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; t < outer * inner;
       t += int64_t(gridDim.x) * blockDim.x) {
    const int64_t base = (t / inner) * n * inner + t % inner;
    double mx = -kInf, sum = 0;
    for (int64_t j = 0; j < n; ++j) mx = Max()(mx, double(x[base + j * inner]));
    for (int64_t j = 0; j < n; ++j) sum += ::exp(double(x[base + j * inner]) - mx);
    const double lse = mx + ::log(sum);
    for (int64_t j = 0; j < n; ++j) {
      const double v = x[base + j * inner];
      y[base + j * inner] = static_cast<T>(log ? v - lse : ::exp(v - mx) / sum);
    }
  }
}

// softmax: gx = y (g - sum(g y)); log-softmax: gx = g - exp(y) sum(g).
template <class T>
__global__ void softmax_backward_rows_kernel(T* gx, const T* g, const T* y, int64_t rows, int64_t n,
                                             bool log) {
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const int64_t base = r * n;
    double s = 0;
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x)
      s += log ? double(g[base + j]) : double(g[base + j]) * y[base + j];
    s = block_reduce(s, Add(), 0.0);
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) {
      const double ge = g[base + j], ye = y[base + j];
      gx[base + j] = static_cast<T>(log ? ge - ::exp(ye) * s : ye * (ge - s));
    }
  }
}

template <class T>
__global__ void softmax_backward_columns_kernel(T* gx, const T* g, const T* y, int64_t outer,
                                                int64_t n, int64_t inner, bool log) {
  for (int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; t < outer * inner;
       t += int64_t(gridDim.x) * blockDim.x) {
    const int64_t base = (t / inner) * n * inner + t % inner;
    double s = 0;
    for (int64_t j = 0; j < n; ++j) {
      const int64_t e = base + j * inner;
      s += log ? double(g[e]) : double(g[e]) * y[e];
    }
    for (int64_t j = 0; j < n; ++j) {
      const int64_t e = base + j * inner;
      const double ge = g[e], ye = y[e];
      gx[e] = static_cast<T>(log ? ge - ::exp(ye) * s : ye * (ge - s));
    }
  }
}

}  // namespace

template <class T>
void softmax(T* y, const T* x, int64_t outer, int64_t n, int64_t inner, bool log) {
  if (outer * n * inner == 0) return;
  if (inner == 1) {
    softmax_rows_kernel<<<grid_for(outer, 1), threads_for_row(n), 0, stream()>>>(y, x, outer, n,
                                                                                 log);
  } else {
    softmax_columns_kernel<<<grid_for(outer * inner), kThreads, 0, stream()>>>(y, x, outer, n,
                                                                               inner, log);
  }
  GANLITE_LAUNCH_CHECK();
}

template <class T>
void softmax_backward(T* gx, const T* g, const T* y, int64_t outer, int64_t n, int64_t inner,
                      bool log) {
  if (outer * n * inner == 0) return;
  if (inner == 1) {
    softmax_backward_rows_kernel<<<grid_for(outer, 1), threads_for_row(n), 0, stream()>>>(
        gx, g, y, outer, n, log);
  } else {
    softmax_backward_columns_kernel<<<grid_for(outer * inner), kThreads, 0, stream()>>>(
        gx, g, y, outer, n, inner, log);
  }
  GANLITE_LAUNCH_CHECK();
}

#define GANLITE_SOFTMAX(T)                                                 \
  template void softmax<T>(T*, const T*, int64_t, int64_t, int64_t, bool); \
  template void softmax_backward<T>(T*, const T*, const T*, int64_t, int64_t, int64_t, bool);
GANLITE_SOFTMAX(float)
GANLITE_SOFTMAX(double)

}  // namespace ganlite::cuda
