// Float32 convolution forward on our own AVX2/FMA GEMM micro-kernel, with im2col fused into the
// packing of the pixel panels (BLIS-style blocking: Van Zee & van de Geijn 2015, "BLIS: a
// framework for rapidly instantiating BLAS functionality"; Goto & van de Geijn 2008). The
// OpenBLAS path of kernels/cpu/conv.h stays the reference; design and figures: conv_avx2.cpp.
#pragma once
#include "kernels/cpu/conv.h"

namespace ganlite::cpu::avx2 {

// True when this build has the AVX2/FMA kernel and it handles cs (groups == 1; any stride,
// padding and dilation).
bool supports(const ConvShape& cs);

// y (N,K,P,Q) = conv(x (N,C,H,W), w (K,C,R,S)) + bias (bias may be null). Requires supports(cs).
void conv_fprop(const ConvShape& cs, const float* x, const float* w, const float* bias, float* y);

}  // namespace ganlite::cpu::avx2
