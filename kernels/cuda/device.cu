// CUDA device query and the launch-checked smoke kernel (see device.h).
#include "kernels/cuda/check.h"
#include "kernels/cuda/device.h"

namespace ganlite::cuda {
namespace {

__global__ void saxpy_kernel(float a, const float* x, float* y, int64_t n) {
  int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i < n) y[i] = a * x[i] + y[i];
}

}  // namespace

int device_count(std::string* why) {
  int n = 0;
  cudaError_t err = cudaGetDeviceCount(&n);
  if (err != cudaSuccess) {
    if (why) *why = cudaGetErrorString(err);
    cudaGetLastError();  // clear the sticky error so later checks are not polluted
    return 0;
  }
  if (n == 0 && why) *why = "the driver reports no CUDA device";
  return n;
}

DeviceInfo device_info(int device) {
  cudaDeviceProp p{};
  GANLITE_CUDA_CHECK(cudaGetDeviceProperties(&p, device));
  return {p.name, p.major, p.minor, p.multiProcessorCount, p.totalGlobalMem};
}

void saxpy_roundtrip(float a, const float* x, float* y, int64_t n) {
  float *dx = nullptr, *dy = nullptr;
  size_t bytes = static_cast<size_t>(n) * sizeof(float);
  GANLITE_CUDA_CHECK(cudaMalloc(&dx, bytes));
  GANLITE_CUDA_CHECK(cudaMalloc(&dy, bytes));
  GANLITE_CUDA_CHECK(cudaMemcpy(dx, x, bytes, cudaMemcpyHostToDevice));
  GANLITE_CUDA_CHECK(cudaMemcpy(dy, y, bytes, cudaMemcpyHostToDevice));
  int threads = 256;
  int64_t blocks = (n + threads - 1) / threads;
  saxpy_kernel<<<static_cast<unsigned>(blocks), threads>>>(a, dx, dy, n);
  GANLITE_LAUNCH_CHECK();
  GANLITE_CUDA_CHECK(cudaMemcpy(y, dy, bytes, cudaMemcpyDeviceToHost));
  GANLITE_CUDA_CHECK(cudaFree(dx));
  GANLITE_CUDA_CHECK(cudaFree(dy));
}

}  // namespace ganlite::cuda
