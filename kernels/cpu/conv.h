// 2-D convolution on the CPU as im2col + OpenBLAS GEMM (Chellapilla et al. 2006, "High performance
// convolutional neural networks for document processing"). Input (N,C,H,W), filter (K,C/g,R,S),
// output (N,K,P,Q), all contiguous. The output is cut into cache-sized tiles (a block of output
// rows of one image, or several images sharing one (C/g*R*S, nb*P*Q) column buffer); an OpenMP
// thread runs each tile's im2col and one GEMM per group. Figures: docs/results/cpu.md.
// Environment, read at every call: by default the float32 forward (groups == 1) runs on our own
// AVX2/FMA micro-kernel with im2col fused into its packing (kernels/cpu/conv_avx2.h) when the
// build has AVX2 and FMA, and depthwise convolutions (C / groups == 1) in every pass run direct
// kernels (kernels/cpu/conv_depthwise.h); GANLITE_CONV_CPU=blas forces the OpenBLAS path for all
// (the reference, and the path for f64, other grouped convs, dgrad and wgrad). Figures:
// docs/results/cpu.md.
#pragma once
#include <cstdint>

namespace ganlite::cpu {

struct ConvShape {
  int64_t n, c, h, w;  // input
  int64_t k, r, s;     // filter (K, C/groups, R, S)
  int64_t p, q;        // output
  int64_t stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0, dil_h = 1, dil_w = 1, groups = 1;
};

// col (nc*R*S, nb*P*Q) = patches of channels [c0, c0+nc) of the nb images at x; zero padding.
template <class T>
void im2col(const ConvShape& cs, const T* x, int64_t nb, int64_t c0, int64_t nc, T* col);

// The adjoint of im2col: adds each column entry back onto the pixel it was read from.
template <class T>
void col2im(const ConvShape& cs, const T* col, int64_t nb, int64_t c0, int64_t nc, T* x);

// y = conv(x, w) + bias (bias may be null).
template <class T>
void conv_fprop(const ConvShape& cs, const T* x, const T* w, const T* bias, T* y);

// dx = d(sum dy * y)/dx: the input gradient, which is also the transposed convolution.
template <class T>
void conv_dgrad(const ConvShape& cs, const T* dy, const T* w, T* dx);

// dw = d(sum dy * y)/dw (overwritten, not accumulated).
template <class T>
void conv_wgrad(const ConvShape& cs, const T* x, const T* dy, T* dw);

// y[i, j, :] += b[j] for y (n, c, hw): the bias of a transposed convolution.
template <class T>
void add_channel_bias(T* y, const T* b, int64_t n, int64_t c, int64_t hw);

// db[j] = sum over i and the hw pixels of dy[i, j, :] for dy (n, c, hw): any conv's bias grad.
template <class T>
void channel_sum(const T* dy, int64_t n, int64_t c, int64_t hw, T* db);

}  // namespace ganlite::cpu
