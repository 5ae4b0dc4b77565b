// Row-major GEMM on cuBLAS: C = alpha * op(A) * op(B) + beta * C, op = transpose when t* set.
// Same signature as kernels/cpu/gemm.h; FP32 stays FP32 (no TF32 tensor-core math).
#pragma once
#include <cstdint>

namespace ganlite::cuda {

template <class T>
void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda,
          const T* b, int64_t ldb, T beta, T* c, int64_t ldc);

}  // namespace ganlite::cuda
