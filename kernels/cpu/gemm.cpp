// OpenBLAS-backed GEMM, split across the OpenMP threads (see gemm.h), and the thread count.
#include "kernels/cpu/gemm.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>

namespace ganlite::cpu {
namespace {

// Below this many multiply-adds (about 10 us) a product is not worth waking the thread pool for.
constexpr int64_t kSplitMin = int64_t(1) << 18;

void blas(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
          int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n,
              k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void blas(bool ta, bool tb, int64_t m, int64_t n, int64_t k, double alpha, const double* a,
          int64_t lda, const double* b, int64_t ldb, double beta, double* c, int64_t ldc) {
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n,
              k, alpha, a, lda, b, ldb, beta, c, ldc);
}

// Set before the first product and never raised again: raising it wakes OpenBLAS's pool.
const bool blas_serial = (openblas_set_num_threads(1), true);

}  // namespace

template <class T>
void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda,
          const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  (void)blas_serial;
  const int threads = omp_get_max_threads();
  if (threads == 1 || omp_in_parallel() || m * n * k < kSplitMin)
    return blas(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  // Split C's rows, or its columns when it has fewer rows than columns; each element is summed
  // over k in the same order whichever block it falls in.
  const bool rows = m >= n;
#pragma omp parallel num_threads(threads)
  {
    const int64_t team = omp_get_num_threads(), me = omp_get_thread_num();
    const int64_t len = rows ? m : n, i0 = me * len / team, i1 = (me + 1) * len / team;
    if (i1 > i0) {
      if (rows)
        blas(ta, tb, i1 - i0, n, k, alpha, ta ? a + i0 : a + i0 * lda, lda, b, ldb, beta,
             c + i0 * ldc, ldc);
      else
        blas(ta, tb, m, i1 - i0, k, alpha, a, lda, tb ? b + i0 * ldb : b + i0, ldb, beta, c + i0,
             ldc);
    }
  }
}

template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t,
                          const float*, int64_t, float, float*, int64_t);
template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*, int64_t,
                           const double*, int64_t, double, double*, int64_t);

void set_num_threads(int n) {
  omp_set_num_threads(n);
}

int num_threads() {
  return omp_get_max_threads();
}

}  // namespace ganlite::cpu
