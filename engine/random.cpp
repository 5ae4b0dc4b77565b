// Seeded random tensors from the counter-based Philox generator (kernels/philox.h).
#include "engine/random.h"

#include <algorithm>
#include <cmath>

#include "engine/backend.h"
#include "kernels/philox.h"
#if GANLITE_WITH_CUDA
#include "kernels/cuda/copy.h"
#endif

namespace ganlite {
namespace {

#if GANLITE_WITH_CUDA
using DrawKind = cuda::Draw;
#else
enum class DrawKind { normal, uniform, integer };
#endif

// Fills on the device with the same counters; the host lambda is the CPU path.
template <class F>
Tensor draw(const Shape& shape, Generator& gen, DType dtype, Device device, DrawKind kind,
            double low, double high, F value_at) {
  Tensor t = empty(shape, dtype, device);
  int64_t n = t.numel();
  uint64_t base = gen.offset, seed = gen.seed;
  if (device == Device::cuda) {
#if GANLITE_WITH_CUDA
    dispatch_all(dtype, [&](auto tag) {
      using T = decltype(tag);
      cuda::random_fill<T>(t.data<T>(), n, kind, seed, base, low, high);
    });
#else
    detail::no_cuda_backend(__FILE__, __LINE__);
#endif
    gen.offset += static_cast<uint64_t>(n);
    return t;
  }
  dispatch_all(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
#pragma omp parallel for schedule(static) if (n > (1 << 16))
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(value_at(base + i, seed));
  });
  gen.offset += static_cast<uint64_t>(n);
  return t;
}

}  // namespace

Generator& default_generator() {
  static Generator gen(0);
  return gen;
}

void manual_seed(uint64_t seed) {
  default_generator() = Generator(seed);
}

Tensor randn(const Shape& shape, Generator& gen, DType dtype, Device device) {
  GANLITE_CHECK(is_float(dtype), "randn: dtype must be f32 or f64");
  return draw(shape, gen, dtype, device, DrawKind::normal, 0, 1,
              [](uint64_t i, uint64_t s) { return philox_normal_at(i, s); });
}

Tensor rand(const Shape& shape, Generator& gen, DType dtype, double low, double high,
            Device device) {
  GANLITE_CHECK(is_float(dtype), "rand: dtype must be f32 or f64");
  GANLITE_CHECK(low < high, "rand: empty range [", low, ", ", high, ")");
  return draw(shape, gen, dtype, device, DrawKind::uniform, low, high,
              [=](uint64_t i, uint64_t s) { return low + (high - low) * philox_uniform_at(i, s); });
}

Tensor randint(int64_t low, int64_t high, const Shape& shape, Generator& gen, Device device) {
  GANLITE_CHECK(low < high, "randint: empty range [", low, ", ", high, ")");
  double span = static_cast<double>(high - low);
  return draw(shape, gen, DType::i64, device, DrawKind::integer, static_cast<double>(low),
              static_cast<double>(high), [=](uint64_t i, uint64_t s) {
                return low + std::min<int64_t>(static_cast<int64_t>(philox_uniform_at(i, s) * span),
                                               high - low - 1);
              });
}

Tensor randperm(int64_t n, Generator& gen) {
  // Sort indices by a random key: deterministic for a given (seed, offset).
  Tensor keys = rand({n}, gen, DType::f64);
  std::vector<int64_t> idx(n);
  for (int64_t i = 0; i < n; ++i) idx[i] = i;
  const double* k = keys.data<double>();
  std::stable_sort(idx.begin(), idx.end(), [k](int64_t a, int64_t b) { return k[a] < k[b]; });
  return from_vector(idx, {n});
}

}  // namespace ganlite
