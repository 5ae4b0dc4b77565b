// Dataset's range check and the per-example generator.
#include "nn/data/dataset.h"

namespace ganlite::data {
namespace {

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace

Example Dataset::get(int64_t index, Generator& gen) const {
  GANLITE_CHECK(index >= 0 && index < size(), "dataset: index ", index, " out of range [0, ",
                size(), ")");
  return load(index, gen);
}

Example Dataset::get(int64_t index) const {
  Generator gen = example_generator(0, -1, index);
  return get(index, gen);
}

Generator example_generator(uint64_t seed, int64_t epoch, int64_t index) {
  uint64_t h = splitmix64(seed);
  h = splitmix64(h ^ static_cast<uint64_t>(epoch));
  h = splitmix64(h ^ static_cast<uint64_t>(index));
  return Generator(h);
}

}  // namespace ganlite::data
