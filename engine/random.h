// Seeded random tensors. A Generator is (seed, offset): a draw of n numbers uses counters
// offset..offset+n-1 and advances offset by n, so results do not depend on threading or device.
#pragma once
#include <cstdint>

#include "engine/tensor.h"

namespace ganlite {

struct Generator {
  uint64_t seed = 0;
  uint64_t offset = 0;
  explicit Generator(uint64_t s = 0) : seed(s) {}
};

// On cuda the same counters give the same numbers (f32 bit for bit; f64 within an ulp of the
// device's log/cos).
Tensor randn(const Shape& shape, Generator& gen, DType dtype = DType::f32,
             Device device = Device::cpu);
Tensor rand(const Shape& shape, Generator& gen, DType dtype = DType::f32, double low = 0.0,
            double high = 1.0, Device device = Device::cpu);
// The process-wide generator that layers use for initialisation and dropout; reseed it with
// manual_seed for reproducible runs (not thread-safe: seed and build models on one thread).
Generator& default_generator();
void manual_seed(uint64_t seed);

// Integers uniform in [low, high), as i64.
Tensor randint(int64_t low, int64_t high, const Shape& shape, Generator& gen,
               Device device = Device::cpu);
// A random permutation of 0..n-1 (i64), for shuffling.
Tensor randperm(int64_t n, Generator& gen);

}  // namespace ganlite
