// Helpers shared by the op front-ends: argument checks whose messages name the op and the
// shapes, broadcast shapes, and kernel layouts.
#pragma once
#include <string>

#include "engine/autograd.h"
#include "engine/backend.h"
#include "engine/ops.h"
#include "kernels/cpu/strided.h"

namespace ganlite {

// x must be defined and floating (f32 or f64).
void check_float(const char* op, const Tensor& x, const char* what = "input");
// b must have a's dtype and device.
void check_same(const char* op, const Tensor& a, const Tensor& b, const char* what_a = "input",
                const char* what_b = "other");
void check_rank(const char* op, const Tensor& x, int64_t rank, const char* what = "input");

Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b);

// In a backward closure: compute input i's gradient? It must require one (as recorded) and the
// walk must need it (input_grad_wanted: R1's inner grad() needs no weight gradients).
inline bool wants_grad(bool requires, size_t i) {
  return requires && input_grad_wanted(i);
}

// Strides of `x` as seen from a broadcast `shape` (0 on expanded dims).
void broadcast_strides(const Tensor& x, const Shape& shape, int64_t* out);

template <int N>
cpu::Layout<N> make_layout(const char* op, const Shape& shape) {
  GANLITE_CHECK(static_cast<int>(shape.size()) <= cpu::kMaxDims, op, ": rank ", shape.size(),
                " exceeds the supported ", cpu::kMaxDims);
  cpu::Layout<N> l;
  l.ndim = static_cast<int>(shape.size());
  for (int d = 0; d < l.ndim; ++d) l.shape[d] = shape[d];
  return l;
}

}  // namespace ganlite
