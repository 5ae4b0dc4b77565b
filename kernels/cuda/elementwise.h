// Elementwise kernels on the device: same signatures as kernels/cpu/elementwise.h.
#pragma once
#include "kernels/cpu/elementwise.h"

namespace ganlite::cuda {

using cpu::BinaryOp;
using cpu::UnaryOp;
using cpu::UnaryParams;

template <class T>
void binary(BinaryOp op, T* out, const T* a, const T* b, const cpu::Layout<3>& layout);

template <class T>
void unary(UnaryOp op, UnaryParams p, T* y, const T* x, int64_t n);

template <class T>
void unary_backward(UnaryOp op, UnaryParams p, T* gx, const T* g, const T* x, const T* y,
                    int64_t n);

}  // namespace ganlite::cuda
