// Device query, the stream, host/device copies and the launch-checked smoke kernel.
#include "kernels/cuda/device.h"
#include "kernels/cuda/stream.cuh"

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

cudaStream_t stream() {
  // Non-blocking: the legacy default stream would serialise with every other stream.
  static cudaStream_t s = [] {
    cudaStream_t st = nullptr;
    GANLITE_CUDA_CHECK(cudaStreamCreateWithFlags(&st, cudaStreamNonBlocking));
    return st;
  }();
  return s;
}

void synchronize() {
  GANLITE_CUDA_CHECK(cudaStreamSynchronize(stream()));
}

EventTimer::EventTimer() {
  cudaEvent_t a, b;
  GANLITE_CUDA_CHECK(cudaEventCreate(&a));
  GANLITE_CUDA_CHECK(cudaEventCreate(&b));
  begin_ = a;
  end_ = b;
}

EventTimer::~EventTimer() {
  cudaEventDestroy(static_cast<cudaEvent_t>(begin_));
  cudaEventDestroy(static_cast<cudaEvent_t>(end_));
}

void EventTimer::start() {
  GANLITE_CUDA_CHECK(cudaEventRecord(static_cast<cudaEvent_t>(begin_), stream()));
}

float EventTimer::stop_ms() {
  auto b = static_cast<cudaEvent_t>(begin_), e = static_cast<cudaEvent_t>(end_);
  GANLITE_CUDA_CHECK(cudaEventRecord(e, stream()));
  GANLITE_CUDA_CHECK(cudaEventSynchronize(e));
  float ms = 0;
  GANLITE_CUDA_CHECK(cudaEventElapsedTime(&ms, b, e));
  return ms;
}

void copy_to_device(void* dst, const void* src, size_t bytes) {
  if (bytes == 0) return;
  GANLITE_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream()));
  // The source is pageable host memory the caller may free or reuse as soon as we return.
  synchronize();
}

void copy_to_host(void* dst, const void* src, size_t bytes) {
  if (bytes == 0) return;
  GANLITE_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream()));
  synchronize();
}

void copy_device(void* dst, const void* src, size_t bytes) {
  if (bytes == 0) return;
  GANLITE_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, stream()));
}

void saxpy_roundtrip(float a, const float* x, float* y, int64_t n) {
  size_t bytes = static_cast<size_t>(n) * sizeof(float);
  auto* dx = static_cast<float*>(alloc(bytes));
  auto* dy = static_cast<float*>(alloc(bytes));
  copy_to_device(dx, x, bytes);
  copy_to_device(dy, y, bytes);
  saxpy_kernel<<<grid_for(n), kThreads, 0, stream()>>>(a, dx, dy, n);
  GANLITE_LAUNCH_CHECK();
  copy_to_host(y, dy, bytes);
  release(dx);
  release(dy);
}

}  // namespace ganlite::cuda
