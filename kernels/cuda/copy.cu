// Strided copies, fills and random draws (see copy.h).
#include <cmath>
#include <type_traits>

#include "kernels/cuda/copy.h"
#include "kernels/cuda/stream.cuh"
#include "kernels/cuda/strided.cuh"
#include "kernels/philox.h"

namespace ganlite::cuda {
namespace {

template <class Dst, class Src>
__global__ void copy_dense_kernel(Dst* dst, const Src* src, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    dst[i] = static_cast<Dst>(src[i]);
}

template <class Dst, class Src>
__global__ void copy_strided_kernel(Dst* dst, const Src* src, Layout<2> l, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t off[2];
    layout_offsets(l, i, off);
    dst[off[0]] = static_cast<Dst>(src[off[1]]);
  }
}

template <class T>
__global__ void fill_kernel(T* p, int64_t n, T value) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    p[i] = value;
}

template <class T>
__global__ void random_kernel(T* p, int64_t n, Draw kind, uint64_t seed, uint64_t offset,
                              double low, double high) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    uint64_t c = offset + static_cast<uint64_t>(i);
    double v;
    if (kind == Draw::normal) {
      v = philox_normal_at(c, seed);
    } else if (kind == Draw::uniform) {
      v = low + (high - low) * philox_uniform_at(c, seed);
    } else {
      double span = high - low;
      int64_t k = static_cast<int64_t>(philox_uniform_at(c, seed) * span);
      int64_t top = static_cast<int64_t>(span) - 1;
      v = low + static_cast<double>(k < top ? k : top);
    }
    p[i] = static_cast<T>(v);
  }
}

}  // namespace

template <class Dst, class Src>
void copy_strided(Dst* dst, const Src* src, const Layout<2>& layout) {
  Layout<2> l = cpu::coalesce(layout);
  int64_t n = layout_numel(l);
  if (n == 0) return;
  if (layout_dense(l) && std::is_same_v<Dst, Src>) {
    // Same type, dense: the copy engine's path (cudaMemcpyAsync) runs at the copy ceiling.
    GANLITE_CUDA_CHECK(
        cudaMemcpyAsync(dst, src, n * sizeof(Dst), cudaMemcpyDeviceToDevice, stream()));
    return;
  }
  if (layout_dense(l))
    copy_dense_kernel<<<grid_for(n), kThreads, 0, stream()>>>(dst, src, n);
  else
    copy_strided_kernel<<<grid_for(n), kThreads, 0, stream()>>>(dst, src, l, n);
  GANLITE_LAUNCH_CHECK();
}

template <class T>
void fill(T* p, int64_t n, double value) {
  if (n == 0) return;
  fill_kernel<<<grid_for(n), kThreads, 0, stream()>>>(p, n, static_cast<T>(value));
  GANLITE_LAUNCH_CHECK();
}

template <class T>
void random_fill(T* p, int64_t n, Draw kind, uint64_t seed, uint64_t offset, double low,
                 double high) {
  if (n == 0) return;
  random_kernel<<<grid_for(n), kThreads, 0, stream()>>>(p, n, kind, seed, offset, low, high);
  GANLITE_LAUNCH_CHECK();
}

#define GANLITE_COPY_PAIR(D, S) template void copy_strided<D, S>(D*, const S*, const Layout<2>&);
#define GANLITE_COPY_TYPE(T)                  \
  GANLITE_COPY_PAIR(T, float)                 \
  GANLITE_COPY_PAIR(T, double)                \
  GANLITE_COPY_PAIR(T, int64_t)               \
  template void fill<T>(T*, int64_t, double); \
  template void random_fill<T>(T*, int64_t, Draw, uint64_t, uint64_t, double, double);
GANLITE_COPY_TYPE(float)
GANLITE_COPY_TYPE(double)
GANLITE_COPY_TYPE(int64_t)

}  // namespace ganlite::cuda
