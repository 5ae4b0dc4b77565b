// Float32 convolutions with at most four output channels (stride 1, undilated, one group, output
// rows of 8 pixels or more): the generators' 7x7 output convs (16 or 64 -> 3) and PatchGAN's last
// conv (512 -> 1). There im2col + GEMM writes and rereads C*R*S floats per output pixel for only
// K <= 4 multiply-adds each, and the GEMM's M = K leaves its register tile mostly empty: the
// student's 16 -> 3 backward took 33 ms on that path against PyTorch's 12 ms. These kernels
// correlate zero-bordered copies of the planes directly, with the products in registers; the
// input gradient is the same correlation of dy with the flipped, transposed filter. Design and
// figures: conv_narrow.cpp. Every output element is summed by one thread in a fixed order, so the
// results do not depend on the thread count.
#pragma once
#include "kernels/cpu/conv.h"

namespace ganlite::cpu::narrow {

// True when this build has AVX2/FMA, cs fits (above) and the direct kernels are not switched off
// (GANLITE_CONV_CPU=blas selects the im2col + GEMM reference for every convolution).
bool applies(const ConvShape& cs);

// The three passes of kernels/cpu/conv.h for such shapes. Require applies(cs).
void fprop(const ConvShape& cs, const float* x, const float* w, const float* bias, float* y);
void dgrad(const ConvShape& cs, const float* dy, const float* w, float* dx);
void wgrad(const ConvShape& cs, const float* x, const float* dy, float* dw);

}  // namespace ganlite::cpu::narrow
