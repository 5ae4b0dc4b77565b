// Backend dispatch: an op front-end calls one kernel name, and GANLITE_KERNEL picks the CPU or
// the CUDA version by the device of its tensors. The two versions have the same signature (in
// ganlite::cpu and ganlite::cuda), so the call is written once:
//   GANLITE_KERNEL(x.device(), binary<T>(kind, out.data<T>(), a.data<T>(), b.data<T>(), l));
// Built without CUDA, a cuda tensor cannot exist, but the macro still throws a clear error.
#pragma once
#include <string>

#include "engine/dtype.h"
#include "engine/error.h"

namespace ganlite {

// True when the library was built with CUDA and a device answers; the reason otherwise.
bool cuda_available(std::string* why = nullptr);
// Waits for the device's queued work (timing); a no-op on the CPU.
void synchronize(Device device);

namespace detail {
[[noreturn]] void no_cuda_backend(const char* file, int line);
}

}  // namespace ganlite

#if GANLITE_WITH_CUDA
#define GANLITE_KERNEL(device, ...)          \
  do {                                       \
    if ((device) == ::ganlite::Device::cuda) \
      ::ganlite::cuda::__VA_ARGS__;          \
    else                                     \
      ::ganlite::cpu::__VA_ARGS__;           \
  } while (0)
#else
#define GANLITE_KERNEL(device, ...)                           \
  do {                                                        \
    if ((device) == ::ganlite::Device::cuda)                  \
      ::ganlite::detail::no_cuda_backend(__FILE__, __LINE__); \
    else                                                      \
      ::ganlite::cpu::__VA_ARGS__;                            \
  } while (0)
#endif
