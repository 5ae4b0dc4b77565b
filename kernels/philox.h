// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11): a
// counter-based generator, so element i of a draw depends only on (seed, offset + i) and the
// CPU and CUDA backends produce the same numbers. Host/device header, no CUDA-only syntax.
#pragma once
#include <cmath>
#include <cstdint>

#if defined(__CUDACC__)
#define GANLITE_HD __host__ __device__
#else
#define GANLITE_HD
#endif

namespace ganlite {

struct Philox4 {
  uint32_t v[4];
};

GANLITE_HD inline Philox4 philox4x32_10(uint64_t counter, uint64_t seed) {
  uint32_t c0 = static_cast<uint32_t>(counter), c1 = static_cast<uint32_t>(counter >> 32);
  uint32_t c2 = 0, c3 = 0;
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  for (int round = 0; round < 10; ++round) {
    uint64_t p0 = static_cast<uint64_t>(0xD2511F53u) * c0;
    uint64_t p1 = static_cast<uint64_t>(0xCD9E8D57u) * c2;
    uint32_t n0 = static_cast<uint32_t>(p1 >> 32) ^ c1 ^ k0;
    uint32_t n2 = static_cast<uint32_t>(p0 >> 32) ^ c3 ^ k1;
    c1 = static_cast<uint32_t>(p1);
    c3 = static_cast<uint32_t>(p0);
    c0 = n0;
    c2 = n2;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return {{c0, c1, c2, c3}};
}

// 53-bit uniform in [0, 1) from two words.
GANLITE_HD inline double philox_uniform(uint32_t hi, uint32_t lo) {
  uint64_t bits = (static_cast<uint64_t>(hi) << 21) ^ (lo >> 11);
  return static_cast<double>(bits & ((1ull << 53) - 1)) * (1.0 / 9007199254740992.0);
}

GANLITE_HD inline double philox_uniform_at(uint64_t index, uint64_t seed) {
  Philox4 r = philox4x32_10(index, seed);
  return philox_uniform(r.v[0], r.v[1]);
}

// Standard normal by Box-Muller on the four words of one counter.
GANLITE_HD inline double philox_normal_at(uint64_t index, uint64_t seed) {
  Philox4 r = philox4x32_10(index, seed);
  double u1 = 1.0 - philox_uniform(r.v[0], r.v[1]);  // (0, 1]: log is finite
  double u2 = philox_uniform(r.v[2], r.v[3]);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

}  // namespace ganlite
