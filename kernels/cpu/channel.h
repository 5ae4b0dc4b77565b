// Per-channel kernels on contiguous (N, C, S) blocks: scaling each channel by its own factor and
// the per-channel dot product of two such blocks (the factor's gradient). Used by masked_conv2d.
#pragma once
#include <cstdint>

namespace ganlite::cpu {

// y[n, c, s] = x[n, c, s] * scale[c]; y may alias x.
template <class T>
void channel_scale(T* y, const T* x, const T* scale, int64_t n, int64_t c, int64_t s);

// out[c] = sum over n and s of a[n, c, s] * b[n, c, s], accumulated in double.
template <class T>
void channel_dot(T* out, const T* a, const T* b, int64_t n, int64_t c, int64_t s);

}  // namespace ganlite::cpu
