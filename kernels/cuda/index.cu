// Gather and scatter-add along one dim. The scatter uses no atomics: the first position j of
// each index value owns that destination row and sums, in order, every g row that has the same
// index; the rows no index names are zeroed first.
#include "kernels/cuda/copy.h"
#include "kernels/cuda/index.h"
#include "kernels/cuda/stream.cuh"

namespace ganlite::cuda {
namespace {

template <class T>
__global__ void index_select_kernel(T* y, const T* x, const int64_t* index, int64_t outer,
                                    int64_t size, int64_t k, int64_t inner) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < outer * k * inner;
       e += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = e % inner, r = e / inner, o = r / k, j = r % k;
    y[e] = x[(o * size + index[j]) * inner + c];
  }
}

// One thread per (o, j, c) of g; only the first j with its index value writes. Costs k^2 index
// reads per column, cheap for the batch-sized indices of embeddings.
template <class T>
__global__ void index_add_kernel(T* gx, const T* g, const int64_t* index, int64_t outer,
                                 int64_t size, int64_t k, int64_t inner) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < outer * k * inner;
       e += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = e % inner, r = e / inner, o = r / k, j = r % k;
    const int64_t i = index[j];
    bool first = true;
    for (int64_t jj = 0; jj < j && first; ++jj) first = index[jj] != i;
    if (!first) continue;
    T acc = T(0);
    for (int64_t jj = j; jj < k; ++jj)
      if (index[jj] == i) acc += g[(o * k + jj) * inner + c];
    gx[(o * size + i) * inner + c] = acc;
  }
}

}  // namespace

template <class T>
void index_select(T* y, const T* x, const int64_t* index, int64_t outer, int64_t size, int64_t k,
                  int64_t inner) {
  const int64_t n = outer * k * inner;
  if (n == 0) return;
  index_select_kernel<<<grid_for(n), kThreads, 0, stream()>>>(y, x, index, outer, size, k, inner);
  GANLITE_LAUNCH_CHECK();
}

template <class T>
void index_add(T* gx, const T* g, const int64_t* index, int64_t outer, int64_t size, int64_t k,
               int64_t inner) {
  fill(gx, outer * size * inner, 0.0);
  const int64_t n = outer * k * inner;
  if (n == 0) return;
  index_add_kernel<<<grid_for(n), kThreads, 0, stream()>>>(gx, g, index, outer, size, k, inner);
  GANLITE_LAUNCH_CHECK();
}

#define GANLITE_INDEX(T)                                                                           \
  template void index_select<T>(T*, const T*, const int64_t*, int64_t, int64_t, int64_t, int64_t); \
  template void index_add<T>(T*, const T*, const int64_t*, int64_t, int64_t, int64_t, int64_t);
GANLITE_INDEX(float)
GANLITE_INDEX(double)
template void index_select<int64_t>(int64_t*, const int64_t*, const int64_t*, int64_t, int64_t,
                                    int64_t, int64_t);

}  // namespace ganlite::cuda
