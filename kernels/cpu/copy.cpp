// Strided copy with type conversion.
#include "kernels/cpu/copy.h"

#include <cstring>
#include <type_traits>

namespace ganlite::cpu {

template <class Dst, class Src>
void copy_strided(Dst* dst, const Src* src, const Layout<2>& layout) {
  for_each_row<2>(layout, [&](const int64_t* off, int64_t n, const int64_t* st) {
    Dst* d = dst + off[0];
    const Src* s = src + off[1];
    if constexpr (std::is_same_v<Dst, Src>) {
      if (st[0] == 1 && st[1] == 1) {
        std::memcpy(d, s, n * sizeof(Dst));
        return;
      }
    }
    for (int64_t i = 0; i < n; ++i) d[i * st[0]] = static_cast<Dst>(s[i * st[1]]);
  });
}

#define GANLITE_COPY(D, S) template void copy_strided<D, S>(D*, const S*, const Layout<2>&);
#define GANLITE_COPY_FROM(D) GANLITE_COPY(D, float) GANLITE_COPY(D, double) GANLITE_COPY(D, int64_t)
GANLITE_COPY_FROM(float)
GANLITE_COPY_FROM(double)
GANLITE_COPY_FROM(int64_t)

}  // namespace ganlite::cpu
