// Block-wide sum for kernels that give one block to each reduction (per channel, per group).
#pragma once
#include <cuda_runtime.h>

namespace ganlite::cuda {

// Sums a and b over the block and gives every thread the totals: warp shuffles, then the first
// warp over the per-warp partials. All threads of the block must reach it; blockDim.x must be a
// multiple of 32.
__device__ inline void block_sum2(double& a, double& b) {
  __shared__ double part_a[32], part_b[32];
  __shared__ double total_a, total_b;
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  for (int o = 16; o > 0; o /= 2) {
    a += __shfl_down_sync(0xffffffffu, a, o);
    b += __shfl_down_sync(0xffffffffu, b, o);
  }
  if (lane == 0) {
    part_a[warp] = a;
    part_b[warp] = b;
  }
  __syncthreads();
  if (warp == 0) {
    const int warps = blockDim.x / 32;
    a = lane < warps ? part_a[lane] : 0.0;
    b = lane < warps ? part_b[lane] : 0.0;
    for (int o = 16; o > 0; o /= 2) {
      a += __shfl_down_sync(0xffffffffu, a, o);
      b += __shfl_down_sync(0xffffffffu, b, o);
    }
    if (lane == 0) {
      total_a = a;
      total_b = b;
    }
  }
  __syncthreads();
  // A later call writes the partials and totals only after its own first barrier, which every
  // thread reaches after reading the totals here, so no trailing barrier is needed.
  a = total_a;
  b = total_b;
}

// Blocks for one block per task, capped; kernels loop over tasks with a block stride.
inline unsigned blocks_for(int64_t tasks) {
  return static_cast<unsigned>(tasks < 1 ? 1 : (tasks > (1 << 20) ? (1 << 20) : tasks));
}

}  // namespace ganlite::cuda
