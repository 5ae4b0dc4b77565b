// Per-channel kernels, parallel over (sample, channel) planes for the scale and over channels for
// the dot product, so each output has one writer.
#include "kernels/cpu/channel.h"

namespace ganlite::cpu {

template <class T>
void channel_scale(T* y, const T* x, const T* scale, int64_t n, int64_t c, int64_t s) {
#pragma omp parallel for schedule(static) if (n * c * s > (1 << 15))
  for (int64_t p = 0; p < n * c; ++p) {
    const T m = scale[p % c];
    for (int64_t j = p * s, e = j + s; j < e; ++j) y[j] = x[j] * m;
  }
}

template <class T>
void channel_dot(T* out, const T* a, const T* b, int64_t n, int64_t c, int64_t s) {
#pragma omp parallel for schedule(static) if (n * c * s > (1 << 15) && c > 1)
  for (int64_t ci = 0; ci < c; ++ci) {
    double acc = 0;
    for (int64_t ni = 0; ni < n; ++ni)
      for (int64_t j = (ni * c + ci) * s, e = j + s; j < e; ++j)
        acc += static_cast<double>(a[j]) * b[j];
    out[ci] = static_cast<T>(acc);
  }
}

#define GANLITE_CHANNEL(T)                                                           \
  template void channel_scale<T>(T*, const T*, const T*, int64_t, int64_t, int64_t); \
  template void channel_dot<T>(T*, const T*, const T*, int64_t, int64_t, int64_t);
GANLITE_CHANNEL(float)
GANLITE_CHANNEL(double)

}  // namespace ganlite::cpu
