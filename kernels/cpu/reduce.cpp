// Row reductions, accumulated in double so f32 sums over large rows stay accurate.
#include "kernels/cpu/reduce.h"

#include <limits>

#include "kernels/cpu/lane_sum.h"

namespace ganlite::cpu {

template <class T>
void sum_rows(T* out, const T* x, int64_t rows, int64_t cols) {
#pragma omp parallel for schedule(static) if (rows * cols > (1 << 15) && rows > 1)
  for (int64_t r = 0; r < rows; ++r) {
    const T* p = x + r * cols;
    out[r] = static_cast<T>(lane_sum(cols, [&](int64_t c) { return double(p[c]); }));
  }
}

template <class T>
void mean_rows(T* out, const T* x, int64_t rows, int64_t cols) {
  sum_rows(out, x, rows, cols);
  for (int64_t r = 0; r < rows; ++r) out[r] /= static_cast<T>(cols);
}

template <class T>
void max_rows(T* out, const T* x, int64_t rows, int64_t cols) {
#pragma omp parallel for schedule(static) if (rows * cols > (1 << 15) && rows > 1)
  for (int64_t r = 0; r < rows; ++r) {
    T m = -std::numeric_limits<T>::infinity();
    const T* p = x + r * cols;
    for (int64_t c = 0; c < cols; ++c) m = p[c] > m ? p[c] : m;
    out[r] = m;
  }
}

template <class T>
void var_rows(T* out, const T* x, int64_t rows, int64_t cols, int64_t correction) {
#pragma omp parallel for schedule(static) if (rows * cols > (1 << 15) && rows > 1)
  for (int64_t r = 0; r < rows; ++r) {
    const T* p = x + r * cols;
    const double mean =
        lane_sum(cols, [&](int64_t c) { return double(p[c]); }) / static_cast<double>(cols);
    const double ss = lane_sum(cols, [&](int64_t c) {
      const double d = p[c] - mean;
      return d * d;
    });
    out[r] = static_cast<T>(ss / static_cast<double>(cols - correction));
  }
}

template <class T>
void max_rows_backward(T* gx, const T* g, const T* x, const T* y, int64_t rows, int64_t cols) {
#pragma omp parallel for schedule(static) if (rows * cols > (1 << 15) && rows > 1)
  for (int64_t r = 0; r < rows; ++r) {
    const T* p = x + r * cols;
    T* q = gx + r * cols;
    int64_t ties = 0;
    for (int64_t c = 0; c < cols; ++c) ties += p[c] == y[r];
    T share = g[r] / static_cast<T>(ties);
    for (int64_t c = 0; c < cols; ++c) q[c] = p[c] == y[r] ? share : T(0);
  }
}

#define GANLITE_REDUCE(T)                                             \
  template void sum_rows<T>(T*, const T*, int64_t, int64_t);          \
  template void mean_rows<T>(T*, const T*, int64_t, int64_t);         \
  template void max_rows<T>(T*, const T*, int64_t, int64_t);          \
  template void var_rows<T>(T*, const T*, int64_t, int64_t, int64_t); \
  template void max_rows_backward<T>(T*, const T*, const T*, const T*, int64_t, int64_t);
GANLITE_REDUCE(float)
GANLITE_REDUCE(double)

}  // namespace ganlite::cpu
