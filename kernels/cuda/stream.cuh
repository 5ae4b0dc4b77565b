// Shared by the .cu files: the stream every kernel is launched on and the launch-shape helpers.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/cuda/check.h"

namespace ganlite::cuda {

cudaStream_t stream();

constexpr int kThreads = 256;

// Blocks for a grid-stride loop over n items: enough to fill the device, never more than needed.
inline unsigned grid_for(int64_t n, int threads = kThreads) {
  int64_t blocks = (n + threads - 1) / threads;
  return static_cast<unsigned>(blocks < 1 ? 1 : (blocks > (1 << 20) ? (1 << 20) : blocks));
}

}  // namespace ganlite::cuda
