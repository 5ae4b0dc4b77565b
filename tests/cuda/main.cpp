// The CUDA test binary: exits 77 (ctest: Skipped) with the reason when no GPU answers, so
// CPU-only machines report a skip, not a pass. Device memory is poisoned (all bits set: NaN in
// floats) on every allocation, so a kernel that leaves an output element unwritten fails.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>

#include "engine/backend.h"

int main(int argc, char** argv) {
  std::string why;
  if (!ganlite::cuda_available(&why)) {
    std::printf("SKIPPED: no CUDA device (%s)\n", why.c_str());
    return 77;
  }
  setenv("GANLITE_CUDA_POISON", "1", 0);
  return Catch::Session().run(argc, argv);
}
