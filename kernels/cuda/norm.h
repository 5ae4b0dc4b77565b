// Normalisation kernels on the device: same signatures and contracts as kernels/cpu/norm.h.
#pragma once
#include "kernels/cpu/norm.h"

namespace ganlite::cuda {

using cpu::NormShape;

template <class T>
void norm_stats(T* mean, T* rstd, T* var, const T* x, const NormShape& sh, double eps);

using cpu::NormEpilogue;

template <class T>
void norm_forward(T* y, const T* x, const T* mean, const T* rstd, const T* weight, const T* bias,
                  const T* mask, const NormShape& sh, const NormEpilogue& epi);

template <class T>
void norm_backward(T* gx, T* gweight, T* gbias, T* gmask, const T* g, const T* x, const T* mean,
                   const T* rstd, const T* weight, const T* bias, const T* mask,
                   const NormShape& sh, bool batch_stats, const NormEpilogue& epi);

}  // namespace ganlite::cuda
