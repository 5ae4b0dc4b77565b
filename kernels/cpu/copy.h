// Strided copy with type conversion: contiguous(), slice assignment, casts between dtypes.
#pragma once
#include "kernels/cpu/strided.h"

namespace ganlite::cpu {

// dst[i] = Dst(src[i]) over a shared shape; stride[0] is dst's, stride[1] is src's.
template <class Dst, class Src>
void copy_strided(Dst* dst, const Src* src, const Layout<2>& layout);

}  // namespace ganlite::cpu
