// A double-precision sum that vectorises, shared by the reductions and the norm kernels.
#pragma once
#include <cstdint>

namespace ganlite::cpu {

// sum of f(j) over j in [0, n), in double, in 16 independent partial sums: one running sum is a
// chain of dependent adds (4 cycles per element; measured as 14 % of the student generator's
// batch-16 forward when instance-norm statistics summed that way); 16 lanes vectorise and
// pipeline. The order of additions is fixed by n alone, so results repeat bit for bit.
template <class F>
double lane_sum(int64_t n, F&& f) {
  constexpr int kLanes = 16;
  double part[kLanes] = {};
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes)
#pragma omp simd
    for (int u = 0; u < kLanes; ++u) part[u] += f(j + u);
  for (int u = 0; j < n; ++j, ++u) part[u] += f(j);
  double total = 0;
  for (int u = 0; u < kLanes; ++u) total += part[u];
  return total;
}

}  // namespace ganlite::cpu
