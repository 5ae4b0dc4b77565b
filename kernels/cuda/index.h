// Gather and scatter-add on the device: same signatures as kernels/cpu/index.h. The index array
// is in device memory, already bounds-checked by the caller.
#pragma once
#include "kernels/cpu/index.h"

namespace ganlite::cuda {

template <class T>
void index_select(T* y, const T* x, const int64_t* index, int64_t outer, int64_t size, int64_t k,
                  int64_t inner);

// Deterministic: each destination row is summed by one thread per column, in index order, so
// the result is bit-identical to the CPU's.
template <class T>
void index_add(T* gx, const T* g, const int64_t* index, int64_t outer, int64_t size, int64_t k,
               int64_t inner);

}  // namespace ganlite::cuda
