// Softmax and log-softmax on the device: same signatures as kernels/cpu/softmax.h.
#pragma once
#include "kernels/cpu/softmax.h"

namespace ganlite::cuda {

template <class T>
void softmax(T* y, const T* x, int64_t outer, int64_t n, int64_t inner, bool log);

template <class T>
void softmax_backward(T* gx, const T* g, const T* y, int64_t outer, int64_t n, int64_t inner,
                      bool log);

}  // namespace ganlite::cuda
