// Gather and scatter-add along one dim, for index_select and its backward (and embedding).
// Tensors are viewed as contiguous (outer, size, inner) blocks; `index` holds k values in
// [0, size), already bounds-checked by the caller.
#pragma once
#include <cstdint>

namespace ganlite::cpu {

// y (outer, k, inner) = x (outer, size, inner)[:, index[j], :].
template <class T>
void index_select(T* y, const T* x, const int64_t* index, int64_t outer, int64_t size, int64_t k,
                  int64_t inner);

// gx (outer, size, inner) = 0, then gx[:, index[j], :] += g (outer, k, inner)[:, j, :];
// repeated indices accumulate.
template <class T>
void index_add(T* gx, const T* g, const int64_t* index, int64_t outer, int64_t size, int64_t k,
               int64_t inner);

}  // namespace ganlite::cpu
