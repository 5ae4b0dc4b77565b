// cuda_available, synchronize and the error of a CUDA-less build (see backend.h).
#include "engine/backend.h"

#if GANLITE_WITH_CUDA
#include "kernels/cuda/device.h"
#endif

namespace ganlite {

bool cuda_available(std::string* why) {
#if GANLITE_WITH_CUDA
  return cuda::device_count(why) > 0;
#else
  if (why) *why = "ganlite was built without CUDA (nvcc not found, or -DGANLITE_CUDA=OFF)";
  return false;
#endif
}

void synchronize(Device device) {
#if GANLITE_WITH_CUDA
  if (device == Device::cuda) cuda::synchronize();
#else
  (void)device;
#endif
}

namespace detail {
void no_cuda_backend(const char* file, int line) {
  throw_error(file, line,
              "a tensor on cuda, but ganlite was built without CUDA (nvcc not found, or "
              "-DGANLITE_CUDA=OFF)");
}
}  // namespace detail

}  // namespace ganlite
