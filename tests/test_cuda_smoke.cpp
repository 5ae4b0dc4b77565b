// CUDA smoke test: device query and a launch-checked kernel. Exits 77 (ctest: skipped) with the
// reason when no GPU answers, so CPU-only machines report a skip, not a pass.
#include <cmath>
#include <cstdio>
#include <vector>

#include "engine/error.h"
#include "kernels/cuda/device.h"

int main() {
  std::string why;
  int n = ganlite::cuda::device_count(&why);
  if (n == 0) {
    std::printf("SKIPPED: no CUDA device (%s)\n", why.c_str());
    return 77;
  }
  try {
    auto info = ganlite::cuda::device_info(0);
    std::printf("device 0: %s, sm_%d%d, %d SMs, %.1f GiB\n", info.name.c_str(), info.major,
                info.minor, info.sm_count, info.global_mem / 1073741824.0);
    const int64_t len = 1 << 20;
    std::vector<float> x(len), y(len);
    for (int64_t i = 0; i < len; ++i) {
      x[i] = static_cast<float>(i % 97);
      y[i] = 1.0f;
    }
    ganlite::cuda::saxpy_roundtrip(2.0f, x.data(), y.data(), len);
    for (int64_t i = 0; i < len; ++i) {
      if (y[i] != 2.0f * x[i] + 1.0f) {
        std::printf("FAILED: y[%lld] = %f, expected %f\n", static_cast<long long>(i), y[i],
                    2.0f * x[i] + 1.0f);
        return 1;
      }
    }
  } catch (const ganlite::Error& e) {
    std::printf("FAILED: %s\n", e.what());
    return 1;
  }
  std::printf("PASSED: saxpy on %d device(s)\n", n);
  return 0;
}
