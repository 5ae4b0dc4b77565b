// Per-channel bias and its gradient on (n, c, hw) tensors, and the part of a fused forward's
// epilogue that versions without one apply as a pass of their own. channel_sum runs one block per
// channel and reduces in a fixed tree in shared memory, so the sum is the same bits on every run;
// like the CPU it accumulates in double.
#include "kernels/cuda/conv.h"
#include "kernels/cuda/conv/operands.cuh"
#include "kernels/cuda/stream.cuh"

namespace ganlite::cuda {
namespace {

template <class T>
__global__ void add_channel_bias_kernel(T* y, const T* b, int64_t c, int64_t hw, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    y[i] += b[i / hw % c];
}

// Block j sums channel j; kThreads must be a power of two for the tree.
template <class T>
__global__ void channel_sum_kernel(const T* dy, int64_t n, int64_t c, int64_t hw, T* db) {
  __shared__ double part[kThreads];
  const int64_t j = blockIdx.x;
  double sum = 0;
  for (int64_t e = threadIdx.x; e < n * hw; e += blockDim.x)
    sum += dy[(e / hw * c + j) * hw + e % hw];
  part[threadIdx.x] = sum;
  __syncthreads();
  for (int half = blockDim.x / 2; half > 0; half /= 2) {
    if (threadIdx.x < half) part[threadIdx.x] += part[threadIdx.x + half];
    __syncthreads();
  }
  if (threadIdx.x == 0) db[j] = static_cast<T>(part[0]);
}

__global__ void scale_activate_kernel(ConvEpilogue ep, int64_t k, int64_t pq, int64_t n, float* y) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    y[i] = conv::epilogue_at(ep, static_cast<int>(i / pq % k), y[i]);
}

}  // namespace

namespace conv {

void scale_activate(const ConvShape& cs, const ConvEpilogue& ep, float* y) {
  const int64_t total = cs.n * cs.k * cs.p * cs.q;
  if (total == 0 || (!ep.scale && ep.act == ConvAct::none)) return;
  ConvEpilogue rest = ep;
  rest.bias = nullptr;
  scale_activate_kernel<<<grid_for(total), kThreads, 0, stream()>>>(rest, cs.k, cs.p * cs.q, total,
                                                                    y);
  GANLITE_LAUNCH_CHECK();
}

}  // namespace conv

template <class T>
void add_channel_bias(T* y, const T* b, int64_t n, int64_t c, int64_t hw) {
  const int64_t total = n * c * hw;
  if (total == 0) return;
  add_channel_bias_kernel<<<grid_for(total), kThreads, 0, stream()>>>(y, b, c, hw, total);
  GANLITE_LAUNCH_CHECK();
}

template <class T>
void channel_sum(const T* dy, int64_t n, int64_t c, int64_t hw, T* db) {
  if (c == 0) return;
  GANLITE_CHECK(c <= 0x7fffffff, "channel_sum (cuda): ", c, " channels exceed the grid");
  channel_sum_kernel<<<static_cast<unsigned>(c), kThreads, 0, stream()>>>(dy, n, c, hw, db);
  GANLITE_LAUNCH_CHECK();
}

template void add_channel_bias<float>(float*, const float*, int64_t, int64_t, int64_t);
template void add_channel_bias<double>(double*, const double*, int64_t, int64_t, int64_t);
template void channel_sum<float>(const float*, int64_t, int64_t, int64_t, float*);
template void channel_sum<double>(const double*, int64_t, int64_t, int64_t, double*);

}  // namespace ganlite::cuda
