// Float32 3x3, stride-1 convolutions by Winograd's minimal filtering F(2x2, 3x3) (Lavin & Gray
// 2016, "Fast algorithms for convolutional neural networks"): each 2x2 block of outputs is
// A^T [(G g G^T) . (B^T d B)] A over a 4x4 input tile d, so the channel sums become 16 GEMMs of
// (K x C) by (C x tiles) with 16 multiplies per 4 outputs where direct convolution needs 36: 2.25x
// fewer multiply-adds. It serves the forward and, as the correlation of dy with the flipped,
// transposed filter, the input gradient; the weight gradient stays on im2col + GEMM. The default
// for such layers with at least 16 input and output channels; GANLITE_CONV_CPU=avx2 or blas turns
// it off (kernels/cpu/conv.h). Design and figures: conv_winograd.cpp.
#pragma once
#include "kernels/cpu/conv.h"

namespace ganlite::cpu::winograd {

// True for groups == 1, 3x3, stride 1, undilated, padding <= 2, C and K >= 16, and
// GANLITE_CONV_CPU neither avx2 nor blas.
bool applies(const ConvShape& cs);

// The forward and input-gradient passes of kernels/cpu/conv.h for such shapes.
void fprop(const ConvShape& cs, const float* x, const float* w, const float* bias, float* y);
void dgrad(const ConvShape& cs, const float* dy, const float* w, float* dx);

}  // namespace ganlite::cpu::winograd
