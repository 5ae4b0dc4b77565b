// The public op set (see op_list.h). Each family is implemented in engine/ops/<family>.cpp:
// checks, dispatch to kernels/cpu, and the backward formula next to the forward.
#pragma once
#include <array>
#include <vector>

#include "engine/tensor.h"

namespace ganlite {

// ---- elementwise (engine/ops/binary.cpp, engine/ops/unary.cpp); binary ops broadcast
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, double exponent);
Tensor neg(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor clamp(const Tensor& x, double lo, double hi);
Tensor relu(const Tensor& x);
Tensor leaky_relu(const Tensor& x, double slope = 0.01);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor softplus(const Tensor& x);
// Identity forward; backward maps the gradient through `fn` (OSGAN's gradient scaling).
Tensor custom_grad(const Tensor& x, Hook fn);

Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& x);
Tensor operator+(const Tensor& a, double b);
Tensor operator-(const Tensor& a, double b);
Tensor operator*(const Tensor& a, double b);
Tensor operator/(const Tensor& a, double b);
Tensor operator+(double a, const Tensor& b);
Tensor operator-(double a, const Tensor& b);
Tensor operator*(double a, const Tensor& b);
Tensor operator/(double a, const Tensor& b);

// ---- reductions (engine/ops/reduce.cpp); empty dims = all dims
Tensor sum(const Tensor& x, std::vector<int64_t> dims = {}, bool keepdim = false);
Tensor mean(const Tensor& x, std::vector<int64_t> dims = {}, bool keepdim = false);
Tensor max(const Tensor& x, std::vector<int64_t> dims = {}, bool keepdim = false);
Tensor var(const Tensor& x, std::vector<int64_t> dims = {}, bool keepdim = false,
           bool unbiased = true);
// Sums a broadcast gradient back to `shape` (the inverse of expand).
Tensor sum_to(const Tensor& x, const Shape& shape);

// ---- linear algebra (engine/ops/matmul.cpp), OpenBLAS
Tensor matmul(const Tensor& a, const Tensor& b);                              // (M,K) @ (K,N)
Tensor bmm(const Tensor& a, const Tensor& b);                                 // (B,M,K) @ (B,K,N)
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b = Tensor());  // x @ w^T + b

// ---- convolution (engine/ops/conv.cpp), im2col + GEMM
Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b = Tensor(),
              std::array<int64_t, 2> stride = {1, 1}, std::array<int64_t, 2> padding = {0, 0},
              std::array<int64_t, 2> dilation = {1, 1}, int64_t groups = 1);
// Weight (C_in, C_out/groups, R, S); computed as the input-gradient of conv2d.
Tensor conv_transpose2d(const Tensor& x, const Tensor& w, const Tensor& b = Tensor(),
                        std::array<int64_t, 2> stride = {1, 1},
                        std::array<int64_t, 2> padding = {0, 0},
                        std::array<int64_t, 2> output_padding = {0, 0}, int64_t groups = 1,
                        std::array<int64_t, 2> dilation = {1, 1});
// torch.nn.grad.conv2d_weight: the gradient of conv2d's weight (shape `weight`) from its input x
// and output gradient dy, as an op (it differentiates: R1 and other double backwards need it).
Tensor conv2d_weight(const Tensor& x, const Tensor& dy, const Shape& weight,
                     std::array<int64_t, 2> stride = {1, 1},
                     std::array<int64_t, 2> padding = {0, 0},
                     std::array<int64_t, 2> dilation = {1, 1}, int64_t groups = 1);
// torch.nn.functional.unfold: (N,C,H,W) -> (N, C*kh*kw, L)
Tensor unfold(const Tensor& x, std::array<int64_t, 2> kernel,
              std::array<int64_t, 2> dilation = {1, 1}, std::array<int64_t, 2> padding = {0, 0},
              std::array<int64_t, 2> stride = {1, 1});

// ---- normalisation (engine/ops/norm.cpp); weight/bias optional
// Training mode uses batch statistics and, when running stats are given, updates them in place
// (momentum as in PyTorch, unbiased variance); eval mode normalises with the running stats.
Tensor batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, Tensor running_mean,
                  Tensor running_var, bool training, double momentum = 0.1, double eps = 1e-5);
Tensor instance_norm(const Tensor& x, const Tensor& weight = Tensor(),
                     const Tensor& bias = Tensor(), double eps = 1e-5);
Tensor group_norm(const Tensor& x, int64_t groups, const Tensor& weight = Tensor(),
                  const Tensor& bias = Tensor(), double eps = 1e-5);
// DMAD's masked block after a convolution (conv -> norm -> mask -> act), the norm, the channel
// mask and the activation fused into the norm's kernel passes: y = act(mask[c] * norm(x)[c]).
// The norm is batch_norm (weight, bias, running statistics, training, momentum, eps as there) or
// instance_norm (no running statistics); mask is a [C] tensor (gradients to it as to x, weight,
// bias), undefined for none. Differentiates once (no double backward).
struct MaskedNorm {
  enum class Norm { batch, instance } norm = Norm::instance;
  enum class Act { none, relu, leaky_relu } act = Act::relu;
  double slope = 0.2;  // leaky_relu
  bool training = true;
  double momentum = 0.1, eps = 1e-5;
};
Tensor norm_mask_act(const Tensor& x, const Tensor& weight, const Tensor& bias, Tensor running_mean,
                     Tensor running_var, const Tensor& mask, const MaskedNorm& options);

// ---- spatial (engine/ops/spatial.cpp); pads are {left, right, top, bottom}
Tensor reflection_pad2d(const Tensor& x, std::array<int64_t, 4> pad);
Tensor zero_pad2d(const Tensor& x, std::array<int64_t, 4> pad);
Tensor upsample_nearest2d(const Tensor& x, int64_t scale);
Tensor upsample_bilinear2d(const Tensor& x, int64_t scale);  // align_corners=false
Tensor avg_pool2d(const Tensor& x, int64_t kernel, int64_t stride = 0, int64_t padding = 0);
Tensor max_pool2d(const Tensor& x, int64_t kernel, int64_t stride = 0, int64_t padding = 0);

// ---- gather and join (engine/ops/join.cpp)
Tensor concat(const std::vector<Tensor>& xs, int64_t dim);
Tensor stack(const std::vector<Tensor>& xs, int64_t dim);
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);  // index: i64, 1-D
Tensor embedding(const Tensor& index, const Tensor& weight);             // index: i64, any shape

// ---- losses and softmax (engine/ops/loss.cpp)
enum class Reduction { none, mean, sum };
Tensor mse_loss(const Tensor& x, const Tensor& y, Reduction r = Reduction::mean);
Tensor l1_loss(const Tensor& x, const Tensor& y, Reduction r = Reduction::mean);
Tensor smooth_l1_loss(const Tensor& x, const Tensor& y, double beta = 1.0,
                      Reduction r = Reduction::mean);
// Numerically stable BCE on logits against targets in [0, 1].
Tensor bce_with_logits(const Tensor& logits, const Tensor& target, Reduction r = Reduction::mean);
// Hinge pieces: mean(relu(margin - sign * x)); D uses sign +1 on real, -1 on fake; G uses -mean(x).
Tensor hinge_loss(const Tensor& x, double sign, double margin = 1.0);
Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);
Tensor cross_entropy(const Tensor& logits, const Tensor& target);  // (N,C) logits, (N) i64

}  // namespace ganlite
