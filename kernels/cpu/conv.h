// 2-D convolution on the CPU as im2col + OpenBLAS GEMM (Chellapilla et al. 2006, "High performance
// convolutional neural networks for document processing"). Input (N,C,H,W), filter (K,C/g,R,S),
// output (N,K,P,Q), all contiguous. The output is cut into cache-sized tiles (a block of output
// rows of one image, or several images sharing one (C/g*R*S, nb*P*Q) column buffer); an OpenMP
// thread runs each tile's im2col and one GEMM per group. Figures: docs/results/cpu.md.
// Fast paths, tried in this order, all float32 only but the first:
//   depthwise (C / groups == 1), every pass, f32 and f64: direct loops (conv_depthwise.h);
//   at most 4 output channels, stride 1, every pass: direct loops (kernels/cpu/conv_narrow.h);
//   3x3 stride 1, C and K >= 16, forward and input gradient: Winograd F(2x2, 3x3)
//     (kernels/cpu/conv_winograd.h);
//   any other one-group forward: our AVX2/FMA micro-kernel with im2col fused into its packing
//     (kernels/cpu/conv_avx2.h).
// Everything else runs im2col + OpenBLAS, the reference; conv_mode() below selects among these.
// Figures: docs/results/cpu.md.
#pragma once
#include <cstdint>

namespace ganlite::cpu {

// GANLITE_CONV_CPU, read at every call so that tests and benchmarks can flip it: fast (unset or
// any other value), avx2 (the fast paths without Winograd), blas (im2col + OpenBLAS everywhere).
enum class ConvMode { fast, avx2, blas };
ConvMode conv_mode();

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
