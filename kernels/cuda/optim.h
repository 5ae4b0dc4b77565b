// Fused in-place parameter updates on the device: same signatures as kernels/cpu/optim.h.
#pragma once
#include "kernels/cpu/optim.h"

namespace ganlite::cuda {

using cpu::AdamParams;
using cpu::SgdParams;

template <class T>
void adam(const AdamParams& p, T* param, const T* grad, T* m, T* v, int64_t n);

template <class T>
void sgd(const SgdParams& p, T* param, const T* grad, T* velocity, int64_t n);

template <class T>
void ema(double decay, T* shadow, const T* x, int64_t n);

}  // namespace ganlite::cuda
