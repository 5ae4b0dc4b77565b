// Row reductions on the device: same signatures as kernels/cpu/reduce.h.
#pragma once
#include "kernels/cpu/reduce.h"

namespace ganlite::cuda {

template <class T>
void sum_rows(T* out, const T* x, int64_t rows, int64_t cols);
template <class T>
void mean_rows(T* out, const T* x, int64_t rows, int64_t cols);
template <class T>
void max_rows(T* out, const T* x, int64_t rows, int64_t cols);
template <class T>
void var_rows(T* out, const T* x, int64_t rows, int64_t cols, int64_t correction);
template <class T>
void max_rows_backward(T* gx, const T* g, const T* x, const T* y, int64_t rows, int64_t cols);

}  // namespace ganlite::cuda
