// Depthwise convolution on the CPU (one input channel per group, any channel multiplier
// K/groups): direct loops over each image plane instead of im2col + one tiny GEMM per group,
// whose 1 x R*S by R*S x P*Q products are all overhead (the mobile student's separable blocks:
// 12.1 ms on the GEMM path against PyTorch's 2.8 ms for a 16x64x64x64 3x3 layer, 2026-11-23).
// Planes run in parallel; each output, input-gradient or weight-gradient element is written by
// one thread in a fixed order, so results do not depend on the thread count.
#pragma once
#include "kernels/cpu/conv.h"

namespace ganlite::cpu::depthwise {

// True when cs is depthwise (C / groups == 1) and the direct kernels are not switched off
// (GANLITE_CONV_CPU=blas selects the im2col + GEMM reference for every convolution).
bool applies(const ConvShape& cs);

template <class T>
void fprop(const ConvShape& cs, const T* x, const T* w, const T* bias, T* y);
template <class T>
void dgrad(const ConvShape& cs, const T* dy, const T* w, T* dx);
template <class T>
void wgrad(const ConvShape& cs, const T* x, const T* dy, T* dw);

}  // namespace ganlite::cpu::depthwise
