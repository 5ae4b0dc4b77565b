// Softmax and log-softmax over one dim of a contiguous tensor viewed as (outer, n, inner), so the
// reduced dim has stride `inner`. The max is subtracted first, so large logits do not overflow.
#pragma once
#include <cstdint>

namespace ganlite::cpu {

// y = exp(x - max) / sum(exp(x - max)), or with log: y = x - max - log(sum(exp(x - max))).
template <class T>
void softmax(T* y, const T* x, int64_t outer, int64_t n, int64_t inner, bool log);

// From y and g = dL/dy: softmax gx = y * (g - sum(g * y)); log-softmax gx = g - exp(y) * sum(g).
template <class T>
void softmax_backward(T* gx, const T* g, const T* y, int64_t outer, int64_t n, int64_t inner,
                      bool log);

}  // namespace ganlite::cpu
