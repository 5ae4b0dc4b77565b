// Block-wide reductions for kernels that give a block to each row, channel or group (reduce.cu,
// softmax.cu, norm.cu, channel.cu): warp shuffles, then one warp combines the per-warp results.
// blockDim.x must be a multiple of 32 and every thread of the block must call.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

namespace ganlite::cuda {

struct Add {
  template <class A>
  __device__ A operator()(A a, A b) const {
    return a + b;
  }
};

// The CPU loops' `v > m ? v : m`: a NaN never replaces the running maximum.
struct Max {
  template <class A>
  __device__ A operator()(A m, A v) const {
    return v > m ? v : m;
  }
};

// Combines v over the block; every thread gets the result.
template <class A, class Op>
__device__ A block_reduce(A v, Op op, A identity) {
  __shared__ A warp_result[32];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  for (int o = 16; o > 0; o >>= 1) v = op(v, __shfl_down_sync(0xffffffffu, v, o));
  if (lane == 0) warp_result[warp] = v;
  __syncthreads();
  if (warp == 0) {
    v = lane < warps ? warp_result[lane] : identity;
    for (int o = 16; o > 0; o >>= 1) v = op(v, __shfl_down_sync(0xffffffffu, v, o));
    if (lane == 0) warp_result[0] = v;
  }
  __syncthreads();
  v = warp_result[0];
  __syncthreads();  // the next call may overwrite warp_result
  return v;
}

// Sums a and b over the block (the two statistics of a norm); every thread gets both totals.
__device__ inline void block_sum2(double& a, double& b) {
  a = block_reduce(a, Add(), 0.0);
  b = block_reduce(b, Add(), 0.0);
}

// Blocks for one block per task, capped; kernels loop over tasks with a block stride.
inline unsigned blocks_for(int64_t tasks) {
  return static_cast<unsigned>(tasks < 1 ? 1 : (tasks > (1 << 20) ? (1 << 20) : tasks));
}

// Threads per block for rows of `cols` elements: short rows do not leave most threads idle.
inline int threads_for_row(int64_t cols) {
  return cols <= 32 ? 32 : (cols <= 128 ? 128 : 256);
}

}  // namespace ganlite::cuda
