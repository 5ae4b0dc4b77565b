// Fused in-place parameter updates (Adam, SGD, EMA): one pass over the parameter, its gradient
// and the optimizer state, all contiguous and of length n.
#pragma once
#include <cmath>
#include <cstdint>

namespace ganlite::cpu {

// Adam (Kingma & Ba, Algorithm 1, bias-corrected) with PyTorch's L2 weight decay, which adds
// weight_decay * param to the gradient before the moments see it.
struct AdamParams {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0;
  int64_t step = 1;  // the update's number, from 1: sets the bias corrections
};

// The bias corrections folded into two scalars, computed once in double for both backends:
// param -= step_size * m / (sqrt(v) * inv_sqrt_c2 + eps).
struct AdamScalars {
  double step_size, inv_sqrt_c2;
};
inline AdamScalars adam_scalars(const AdamParams& p) {
  const double c1 = 1.0 - std::pow(p.beta1, static_cast<double>(p.step));
  const double c2 = 1.0 - std::pow(p.beta2, static_cast<double>(p.step));
  return {p.lr / c1, 1.0 / std::sqrt(c2)};
}

template <class T>
void adam(const AdamParams& p, T* param, const T* grad, T* m, T* v, int64_t n);

// velocity = momentum * velocity + grad; param -= lr * velocity.
struct SgdParams {
  double lr = 0, momentum = 0;
};

template <class T>
void sgd(const SgdParams& p, T* param, const T* grad, T* velocity, int64_t n);

// shadow = decay * shadow + (1 - decay) * x.
template <class T>
void ema(double decay, T* shadow, const T* x, int64_t n);

}  // namespace ganlite::cpu
