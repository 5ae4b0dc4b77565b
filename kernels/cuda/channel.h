// Per-channel kernels on the device: same signatures and contracts as kernels/cpu/channel.h.
#pragma once
#include "kernels/cpu/channel.h"

namespace ganlite::cuda {

template <class T>
void channel_scale(T* y, const T* x, const T* scale, int64_t n, int64_t c, int64_t s);

template <class T>
void channel_dot(T* out, const T* a, const T* b, int64_t n, int64_t c, int64_t s);

}  // namespace ganlite::cuda
