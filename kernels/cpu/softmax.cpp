// Softmax kernels. Each task owns one outer index and walks the n slices of `inner` contiguous
// values, so the inner loops are unit-stride whatever the softmax dim; sums accumulate in double
// in per-thread buffers of `inner` values, allocated once per thread rather than per row.
#include "kernels/cpu/softmax.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace ganlite::cpu {

template <class T>
void softmax(T* y, const T* x, int64_t outer, int64_t n, int64_t inner, bool log) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
#pragma omp parallel if (outer * n * inner > (1 << 15) && outer > 1)
  {
    std::vector<double> mx(inner), sum(inner);
#pragma omp for schedule(static)
    for (int64_t o = 0; o < outer; ++o) {
      const T* xp = x + o * n * inner;
      T* yp = y + o * n * inner;
      std::fill(mx.begin(), mx.end(), -kInf);
      std::fill(sum.begin(), sum.end(), 0.0);
      for (int64_t j = 0; j < n; ++j)
        for (int64_t i = 0; i < inner; ++i) mx[i] = std::max<double>(mx[i], xp[j * inner + i]);
      for (int64_t j = 0; j < n; ++j)
        for (int64_t i = 0; i < inner; ++i) sum[i] += std::exp(xp[j * inner + i] - mx[i]);
      if (log) {
        for (int64_t i = 0; i < inner; ++i) sum[i] = mx[i] + std::log(sum[i]);  // log-sum-exp
        for (int64_t j = 0; j < n; ++j)
          for (int64_t i = 0; i < inner; ++i)
            yp[j * inner + i] = static_cast<T>(xp[j * inner + i] - sum[i]);
      } else {
        for (int64_t j = 0; j < n; ++j)
          for (int64_t i = 0; i < inner; ++i)
            yp[j * inner + i] = static_cast<T>(std::exp(xp[j * inner + i] - mx[i]) / sum[i]);
      }
    }
  }
}

template <class T>
void softmax_backward(T* gx, const T* g, const T* y, int64_t outer, int64_t n, int64_t inner,
                      bool log) {
#pragma omp parallel if (outer * n * inner > (1 << 15) && outer > 1)
  {
    std::vector<double> s(inner);
#pragma omp for schedule(static)
    for (int64_t o = 0; o < outer; ++o) {
      const int64_t base = o * n * inner;
      std::fill(s.begin(), s.end(), 0.0);
      // softmax needs sum(g * y); log-softmax needs sum(g), since each softmax sums to 1.
      for (int64_t j = 0; j < n; ++j)
        for (int64_t i = 0; i < inner; ++i) {
          const int64_t e = base + j * inner + i;
          s[i] += log ? static_cast<double>(g[e]) : static_cast<double>(g[e]) * y[e];
        }
      for (int64_t j = 0; j < n; ++j)
        for (int64_t i = 0; i < inner; ++i) {
          const int64_t e = base + j * inner + i;
          const double ge = g[e], ye = y[e];
          gx[e] = static_cast<T>(log ? ge - std::exp(ye) * s[i] : ye * (ge - s[i]));
        }
    }
  }
}

#define GANLITE_SOFTMAX(T)                                                 \
  template void softmax<T>(T*, const T*, int64_t, int64_t, int64_t, bool); \
  template void softmax_backward<T>(T*, const T*, const T*, int64_t, int64_t, int64_t, bool);
GANLITE_SOFTMAX(float)
GANLITE_SOFTMAX(double)

}  // namespace ganlite::cpu
