// Row-major GEMM on OpenBLAS: C = alpha * op(A) * op(B) + beta * C, op = transpose when t* set.
#pragma once
#include <cstdint>

namespace ganlite::cpu {

template <class T>
void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda,
          const T* b, int64_t ldb, T beta, T* c, int64_t ldc);

// Threads OpenBLAS and our OpenMP loops use (default: OMP_NUM_THREADS or all cores).
void set_num_threads(int n);
int num_threads();

}  // namespace ganlite::cpu
