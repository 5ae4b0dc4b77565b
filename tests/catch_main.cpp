// Catch2 main, compiled once. Host memory is poisoned (all bits set: NaN in floats) on every
// allocation, so a kernel that leaves an output element unwritten fails instead of reading a
// cached block's stale values.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <cstdlib>

int main(int argc, char** argv) {
  setenv("GANLITE_CPU_POISON", "1", 0);
  return Catch::Session().run(argc, argv);
}
