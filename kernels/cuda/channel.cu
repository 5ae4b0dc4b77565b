// Per-channel kernels: the scale is a grid-stride map, the dot product one block per channel
// reduced in double with warp shuffles.
#include "kernels/cuda/block_reduce.cuh"
#include "kernels/cuda/channel.h"
#include "kernels/cuda/stream.cuh"

namespace ganlite::cuda {
namespace {

constexpr int kBlock = 256;  // threads per channel block; a multiple of the warp size

template <class T>
__global__ void scale_kernel(T* y, const T* x, const T* scale, int64_t c, int64_t s,
                             int64_t total) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x)
    y[i] = x[i] * scale[(i / s) % c];
}

template <class T>
__global__ void dot_kernel(T* out, const T* a, const T* b, int64_t n, int64_t c, int64_t s) {
  for (int64_t ci = blockIdx.x; ci < c; ci += gridDim.x) {
    double acc = 0, unused = 0;
    for (int64_t ni = 0; ni < n; ++ni) {
      const int64_t off = (ni * c + ci) * s;
      for (int64_t j = threadIdx.x; j < s; j += blockDim.x)
        acc += static_cast<double>(a[off + j]) * b[off + j];
    }
    block_sum2(acc, unused);
    if (threadIdx.x == 0) out[ci] = static_cast<T>(acc);
  }
}

}  // namespace

template <class T>
void channel_scale(T* y, const T* x, const T* scale, int64_t n, int64_t c, int64_t s) {
  const int64_t total = n * c * s;
  if (total == 0) return;
  scale_kernel<<<grid_for(total), kThreads, 0, stream()>>>(y, x, scale, c, s, total);
  GANLITE_LAUNCH_CHECK();
}

template <class T>
void channel_dot(T* out, const T* a, const T* b, int64_t n, int64_t c, int64_t s) {
  if (c == 0) return;
  dot_kernel<<<blocks_for(c), kBlock, 0, stream()>>>(out, a, b, n, c, s);
  GANLITE_LAUNCH_CHECK();
}

#define GANLITE_CHANNEL(T)                                                           \
  template void channel_scale<T>(T*, const T*, const T*, int64_t, int64_t, int64_t); \
  template void channel_dot<T>(T*, const T*, const T*, int64_t, int64_t, int64_t);
GANLITE_CHANNEL(float)
GANLITE_CHANNEL(double)

}  // namespace ganlite::cuda
