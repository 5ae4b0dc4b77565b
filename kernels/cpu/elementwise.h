// Elementwise kernels: binary ops over broadcast layouts, unary ops and their derivatives.
#pragma once
#include <cstdint>

#include "kernels/cpu/strided.h"

namespace ganlite::cpu {

enum class BinaryOp { add, sub, mul, div, pow };

// out = a op b; layout strides: [0] out, [1] a, [2] b (0 on broadcast dims).
template <class T>
void binary(BinaryOp op, T* out, const T* a, const T* b, const Layout<3>& layout);

enum class UnaryOp {
  neg,
  exp,
  log,
  sqrt,
  abs,
  clamp,
  relu,
  leaky_relu,
  tanh,
  sigmoid,
  softplus,
  pow
};

// p0/p1: clamp bounds, leaky_relu slope (p0), pow exponent (p0).
struct UnaryParams {
  double p0 = 0, p1 = 0;
};

template <class T>
void unary(UnaryOp op, UnaryParams p, T* y, const T* x, int64_t n);

// gx = g * dy/dx, written in terms of x and/or y = f(x) (all contiguous, length n).
template <class T>
void unary_backward(UnaryOp op, UnaryParams p, T* gx, const T* g, const T* x, const T* y,
                    int64_t n);

}  // namespace ganlite::cpu
