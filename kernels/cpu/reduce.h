// Row reductions: the front-end permutes reduced dims last, so every reduction is over the
// `cols` contiguous elements of each of `rows` rows.
#pragma once
#include <cstdint>

namespace ganlite::cpu {

template <class T>
void sum_rows(T* out, const T* x, int64_t rows, int64_t cols);
// The row sum in T, divided by cols in T (cols > 0).
template <class T>
void mean_rows(T* out, const T* x, int64_t rows, int64_t cols);
template <class T>
void max_rows(T* out, const T* x, int64_t rows, int64_t cols);
// Variance with `correction` subtracted from the count (1 = unbiased).
template <class T>
void var_rows(T* out, const T* x, int64_t rows, int64_t cols, int64_t correction);
// gx = g_row / ties on the row's maxima, 0 elsewhere (ties share the gradient equally).
template <class T>
void max_rows_backward(T* gx, const T* g, const T* x, const T* y, int64_t rows, int64_t cols);

}  // namespace ganlite::cpu
