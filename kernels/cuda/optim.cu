// One grid-stride pass per update, the same per-element formulas as kernels/cpu/optim.cpp (the
// scalars are derived on the host in double, as there). Memory-bound: each element is read and
// written once, coalesced.
#include <cmath>

#include "kernels/cuda/optim.h"
#include "kernels/cuda/stream.cuh"

namespace ganlite::cuda {
namespace {

template <class T>
__global__ void adam_kernel(T* param, const T* grad, T* m, T* v, int64_t n, T b1, T b2, T step,
                            T rc2, T e, T wd) {
  for (int64_t j = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; j < n;
       j += int64_t(gridDim.x) * blockDim.x) {
    const T p = param[j];
    const T g = wd != T(0) ? grad[j] + wd * p : grad[j];
    const T mj = b1 * m[j] + (T(1) - b1) * g;
    const T vj = b2 * v[j] + (T(1) - b2) * g * g;
    m[j] = mj;
    v[j] = vj;
    param[j] = p - step * mj / (sqrt(vj) * rc2 + e);
  }
}

template <class T>
__global__ void sgd_kernel(T* param, const T* grad, T* velocity, int64_t n, T mu, T lr) {
  for (int64_t j = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; j < n;
       j += int64_t(gridDim.x) * blockDim.x) {
    const T vel = mu * velocity[j] + grad[j];
    velocity[j] = vel;
    param[j] -= lr * vel;
  }
}

template <class T>
__global__ void ema_kernel(T* shadow, const T* x, int64_t n, T d, T rest) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    shadow[i] = d * shadow[i] + rest * x[i];
}

}  // namespace

template <class T>
void adam(const AdamParams& p, T* param, const T* grad, T* m, T* v, int64_t n) {
  if (n == 0) return;
  const cpu::AdamScalars sc = cpu::adam_scalars(p);
  adam_kernel<<<grid_for(n), kThreads, 0, stream()>>>(param, grad, m, v, n, T(p.beta1), T(p.beta2),
                                                      T(sc.step_size), T(sc.inv_sqrt_c2), T(p.eps),
                                                      T(p.weight_decay));
  GANLITE_LAUNCH_CHECK();
}

template <class T>
void sgd(const SgdParams& p, T* param, const T* grad, T* velocity, int64_t n) {
  if (n == 0) return;
  sgd_kernel<<<grid_for(n), kThreads, 0, stream()>>>(param, grad, velocity, n, T(p.momentum),
                                                     T(p.lr));
  GANLITE_LAUNCH_CHECK();
}

template <class T>
void ema(double decay, T* shadow, const T* x, int64_t n) {
  if (n == 0) return;
  ema_kernel<<<grid_for(n), kThreads, 0, stream()>>>(shadow, x, n, T(decay), T(1.0 - decay));
  GANLITE_LAUNCH_CHECK();
}

#define GANLITE_OPTIM(T)                                                   \
  template void adam<T>(const AdamParams&, T*, const T*, T*, T*, int64_t); \
  template void sgd<T>(const SgdParams&, T*, const T*, T*, int64_t);       \
  template void ema<T>(double, T*, const T*, int64_t);
GANLITE_OPTIM(float)
GANLITE_OPTIM(double)
#undef GANLITE_OPTIM

}  // namespace ganlite::cuda
