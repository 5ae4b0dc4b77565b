// Row-major GEMM on OpenBLAS: C = alpha * op(A) * op(B) + beta * C, op = transpose when t* set.
// OpenBLAS itself always runs on one thread. Its own pthread pool, beside our OpenMP threads,
// kept spinning in sched_yield between calls (about 57 calls per DCGAN forward, strace) and took
// the core the OpenMP worker needed. A large product called outside a parallel region is
// instead split across the OpenMP threads, each block a single-threaded OpenBLAS call; inside a
// parallel region (the conv tiles) it runs on the calling thread.
#pragma once
#include <cstdint>

namespace ganlite::cpu {

template <class T>
void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda,
          const T* b, int64_t ldb, T beta, T* c, int64_t ldc);

// Threads of our OpenMP loops and GEMM splits (default: OMP_NUM_THREADS or all cores).
void set_num_threads(int n);
int num_threads();

}  // namespace ganlite::cpu
