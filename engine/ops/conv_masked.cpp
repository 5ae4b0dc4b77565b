// Masked convolution: y[n, k] = mask[k] * (conv2d(x, w)[n, k] + b[k]), the per-output-channel
// gate of channel pruning. Scaling output row k of the GEMM Y = W @ col equals scaling row k of W
// first, diag(m) (W @ col) = (diag(m) W) @ col, so the mask is fused into the convolution by
// folding it into the weights and bias: K*C/g*R*S products instead of a pass over the N*K*P*Q
// outputs, and no unmasked output kept for the backward. The mask's gradient then comes out of
// the folded weights' gradient: dm[k] = <dW'[k], W[k]> + db'[k] b[k] (mul's backward).
#include "engine/ops/common.h"

namespace ganlite {

Tensor masked_conv2d(const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& mask,
                     std::array<int64_t, 2> stride, std::array<int64_t, 2> padding,
                     std::array<int64_t, 2> dilation, int64_t groups) {
  const char* op = "masked_conv2d";
  check_float(op, x);
  check_float(op, mask, "mask");
  check_same(op, x, mask, "input", "mask");
  check_rank(op, w, 4, "weight");
  GANLITE_CHECK(mask.dim() == 1 && mask.shape()[0] == w.shape()[0], op, ": mask ", mask.shape_str(),
                " does not match the ", w.shape()[0], " output channels of weight ", w.shape_str(),
                " (want [", w.shape()[0], "])");
  const Tensor folded_w = w * mask.reshape({w.shape()[0], 1, 1, 1});
  const Tensor folded_b = b.defined() ? b * mask : Tensor();
  return conv2d(x, folded_w, folded_b, stride, padding, dilation, groups);
}

}  // namespace ganlite
