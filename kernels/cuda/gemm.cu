// cuBLAS is column-major; a row-major matrix read column-major is its transpose. So the row-major
// C = op(A) op(B) is computed as the column-major C^T = op(B)^T op(A)^T: the operands swap and
// m and n swap, while the transpose flags and leading dimensions stay as given.
#include <algorithm>
#include <cstdlib>
#include <limits>

#include "engine/error.h"
#include "kernels/cuda/gemm.h"
#include "kernels/cuda/stream.cuh"

namespace ganlite::cuda {
namespace {

// One handle for the process, bound to the one stream. CUBLAS_DEFAULT_MATH keeps FP32 products
// in FP32, so results compare with the CPU within FP32 rounding, not TF32's.
cublasHandle_t handle() {
  static cublasHandle_t h = [] {
    cublasHandle_t made;
    GANLITE_CUBLAS_CHECK(cublasCreate(&made));
    GANLITE_CUBLAS_CHECK(cublasSetStream(made, stream()));
    GANLITE_CUBLAS_CHECK(cublasSetMathMode(made, CUBLAS_DEFAULT_MATH));
    // Destroyed at exit (before the runtime's own teardown, registered earlier), so the
    // workspace cuBLAS allocated does not show as a leak under compute-sanitizer.
    std::atexit([] { cublasDestroy(handle()); });
    return made;
  }();
  return h;
}

int as_int(int64_t v, const char* what, int64_t m, int64_t n, int64_t k) {
  GANLITE_CHECK(v <= std::numeric_limits<int>::max(), "gemm (cuda): ", what, " ", v,
                " exceeds cuBLAS's int range (m ", m, ", n ", n, ", k ", k, ")");
  return static_cast<int>(v);
}

cublasStatus_t gemm_call(cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                         const float* alpha, const float* a, int lda, const float* b, int ldb,
                         const float* beta, float* c, int ldc) {
  return cublasSgemm(handle(), ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

cublasStatus_t gemm_call(cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                         const double* alpha, const double* a, int lda, const double* b, int ldb,
                         const double* beta, double* c, int ldc) {
  return cublasDgemm(handle(), ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

}  // namespace

template <class T>
void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda,
          const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  // cuBLAS rejects leading dimensions below 1 even where an operand is empty (k == 0).
  auto ld = [&](int64_t v, const char* what) {
    return as_int(std::max<int64_t>(v, 1), what, m, n, k);
  };
  GANLITE_CUBLAS_CHECK(gemm_call(tb ? CUBLAS_OP_T : CUBLAS_OP_N, ta ? CUBLAS_OP_T : CUBLAS_OP_N,
                                 as_int(n, "n", m, n, k), as_int(m, "m", m, n, k),
                                 as_int(k, "k", m, n, k), &alpha, b, ld(ldb, "ldb"), a,
                                 ld(lda, "lda"), &beta, c, ld(ldc, "ldc")));
}

template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t,
                          const float*, int64_t, float, float*, int64_t);
template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*, int64_t,
                           const double*, int64_t, double, double*, int64_t);

}  // namespace ganlite::cuda
