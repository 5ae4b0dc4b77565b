// Strided copy with type conversion, fills and seeded random draws on the device. Same
// signatures as kernels/cpu/copy.h where both exist.
#pragma once
#include <cstdint>

#include "kernels/cpu/strided.h"

namespace ganlite::cuda {

// dst[i] = Dst(src[i]) over a shared shape; stride[0] is dst's, stride[1] is src's.
template <class Dst, class Src>
void copy_strided(Dst* dst, const Src* src, const cpu::Layout<2>& layout);

template <class T>
void fill(T* p, int64_t n, double value);

// Philox draws (kernels/philox.h): element i uses counter offset + i, as on the CPU.
enum class Draw { normal, uniform, integer };
// normal: N(0,1); uniform: low + (high - low) U; integer: low + floor(U (high - low)) < high.
template <class T>
void random_fill(T* p, int64_t n, Draw kind, uint64_t seed, uint64_t offset, double low,
                 double high);

}  // namespace ganlite::cuda
