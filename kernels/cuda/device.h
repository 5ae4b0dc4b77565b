// CUDA device discovery and a launch-checked smoke kernel. The op kernels arrive with the CUDA
// backend; this is the part every later file relies on: device query and error checking.
#pragma once
#include <cstdint>
#include <string>

namespace ganlite::cuda {

struct DeviceInfo {
  std::string name;
  int major = 0, minor = 0;
  int sm_count = 0;
  size_t global_mem = 0;
};

// Number of usable devices; 0 (never an exception) when no driver or device answers, with the
// reason in *why.
int device_count(std::string* why = nullptr);
DeviceInfo device_info(int device);

// y[i] = a * x[i] + y[i] on the device, copying in and out; checks the launch and the result.
void saxpy_roundtrip(float a, const float* x, float* y, int64_t n);

}  // namespace ganlite::cuda
