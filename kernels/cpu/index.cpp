// Gather and scatter-add along one dim. The scatter gives each thread its own (outer, column
// chunk) of the gradient, so repeated indices accumulate without atomics.
#include "kernels/cpu/index.h"

#include <algorithm>
#include <cstring>

namespace ganlite::cpu {

template <class T>
void index_select(T* y, const T* x, const int64_t* index, int64_t outer, int64_t size, int64_t k,
                  int64_t inner) {
#pragma omp parallel for schedule(static) if (outer * k * inner > (1 << 15) && outer * k > 1)
  for (int64_t r = 0; r < outer * k; ++r) {
    const int64_t o = r / k, j = r % k;
    std::memcpy(y + r * inner, x + (o * size + index[j]) * inner, inner * sizeof(T));
  }
}

template <class T>
void index_add(T* gx, const T* g, const int64_t* index, int64_t outer, int64_t size, int64_t k,
               int64_t inner) {
  constexpr int64_t kChunk = 256;  // columns per task: embedding backward has outer == 1
  const int64_t chunks = (inner + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) if (outer * k * inner > (1 << 15) && outer * chunks > 1)
  for (int64_t t = 0; t < outer * chunks; ++t) {
    const int64_t o = t / chunks, c0 = (t % chunks) * kChunk, c1 = std::min(c0 + kChunk, inner);
    for (int64_t i = 0; i < size; ++i)
      std::fill(gx + (o * size + i) * inner + c0, gx + (o * size + i) * inner + c1, T(0));
    for (int64_t j = 0; j < k; ++j) {
      T* dst = gx + (o * size + index[j]) * inner;
      const T* src = g + (o * k + j) * inner;
      for (int64_t c = c0; c < c1; ++c) dst[c] += src[c];
    }
  }
}

#define GANLITE_INDEX(T)                                                                           \
  template void index_select<T>(T*, const T*, const int64_t*, int64_t, int64_t, int64_t, int64_t); \
  template void index_add<T>(T*, const T*, const int64_t*, int64_t, int64_t, int64_t, int64_t);
GANLITE_INDEX(float)
GANLITE_INDEX(double)
// Gathering labels (i64) is common when batching a dataset; only the gather is needed.
template void index_select<int64_t>(int64_t*, const int64_t*, const int64_t*, int64_t, int64_t,
                                    int64_t, int64_t);

}  // namespace ganlite::cpu
