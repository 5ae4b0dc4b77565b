// The updates run in the parameter's precision; Adam's bias corrections are folded into two
// scalars computed once in double (adam_scalars, shared with the CUDA kernel).
#include "kernels/cpu/optim.h"

#include <cmath>

namespace ganlite::cpu {

namespace {

// Weight decay is a template argument, not a branch in the loop: GCC vectorises only a loop
// without control flow (and sqrt without errno, hence -fno-math-errno in CMakeLists.txt).
template <bool kDecay, class T>
void adam_loop(const AdamParams& p, T* param, const T* grad, T* m, T* v, int64_t n) {
  const AdamScalars sc = adam_scalars(p);
  const T b1 = T(p.beta1), b2 = T(p.beta2), step = T(sc.step_size), rc2 = T(sc.inv_sqrt_c2);
  const T e = T(p.eps), wd = T(p.weight_decay);
#pragma omp parallel for simd schedule(static) if (n > (1 << 16))
  for (int64_t j = 0; j < n; ++j) {
    const T g = kDecay ? grad[j] + wd * param[j] : grad[j];
    m[j] = b1 * m[j] + (T(1) - b1) * g;
    v[j] = b2 * v[j] + (T(1) - b2) * g * g;
    param[j] -= step * m[j] / (std::sqrt(v[j]) * rc2 + e);
  }
}

}  // namespace

template <class T>
void adam(const AdamParams& p, T* param, const T* grad, T* m, T* v, int64_t n) {
  if (p.weight_decay != 0)
    adam_loop<true>(p, param, grad, m, v, n);
  else
    adam_loop<false>(p, param, grad, m, v, n);
}

template <class T>
void sgd(const SgdParams& p, T* param, const T* grad, T* velocity, int64_t n) {
  const T mu = T(p.momentum), lr = T(p.lr);
  for (int64_t j = 0; j < n; ++j) {
    velocity[j] = mu * velocity[j] + grad[j];
    param[j] -= lr * velocity[j];
  }
}

template <class T>
void ema(double decay, T* shadow, const T* x, int64_t n) {
  const T d = T(decay), rest = T(1.0 - decay);
  for (int64_t i = 0; i < n; ++i) shadow[i] = d * shadow[i] + rest * x[i];
}

#define GANLITE_OPTIM(T)                                                   \
  template void adam<T>(const AdamParams&, T*, const T*, T*, T*, int64_t); \
  template void sgd<T>(const SgdParams&, T*, const T*, T*, int64_t);       \
  template void ema<T>(double, T*, const T*, int64_t);
GANLITE_OPTIM(float)
GANLITE_OPTIM(double)
#undef GANLITE_OPTIM

}  // namespace ganlite::cpu
