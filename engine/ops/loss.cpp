// Losses (torch.nn.functional definitions: mse, l1, smooth_l1 with beta, BCE on logits, plus the
// hinge pieces of Miyato et al. / Lim & Ye's hinge GAN loss) and softmax / log-softmax. Losses are
// composites of elementwise ops and reductions; softmax and log-softmax have their own stable
// kernels (kernels/cpu/softmax.h) and backward; cross_entropy = mean of -log_softmax at target.
#include "engine/ops/common.h"
#include "kernels/cpu/softmax.h"
#if GANLITE_WITH_CUDA
#include "kernels/cuda/softmax.h"
#endif

namespace ganlite {
namespace {

void check_pair(const char* op, const Tensor& x, const Tensor& y, const char* what_y) {
  check_float(op, x);
  check_float(op, y, what_y);
  check_same(op, x, y, "input", what_y);
  GANLITE_CHECK(x.shape() == y.shape(), op, ": input of shape ", x.shape_str(), " and ", what_y,
                " of shape ", y.shape_str(), " must have the same shape");
}

Tensor reduce(const Tensor& l, Reduction r) {
  switch (r) {
    case Reduction::none:
      return l;
    case Reduction::mean:
      return mean(l);
    case Reduction::sum:
      return sum(l);
  }
  return l;
}

// Softmax or log-softmax (log) over dim, with its own node.
Tensor softmax_op(OpId id, const Tensor& x0, int64_t dim, bool log) {
  const char* op = op_name(id);
  check_float(op, x0);
  int64_t d = wrap_dim(dim, x0.dim(), op);
  Tensor x = x0.detach().contiguous();
  int64_t outer = 1, n = x.dim() ? x.shape()[d] : 1, inner = 1;
  for (int64_t i = 0; i < d; ++i) outer *= x.shape()[i];
  for (int64_t i = d + 1; i < x.dim(); ++i) inner *= x.shape()[i];
  Tensor y = empty_like(x);
  dispatch_float(x.dtype(), op, [&](auto t) {
    using T = decltype(t);
    GANLITE_KERNEL(x.device(), softmax<T>(y.data<T>(), x.data<T>(), outer, n, inner, log));
  });
  Tensor yd = y.detach();
  record(
      id, y, {x0},
      [yd, outer, n, inner, log](const Tensor& g0) {
        Tensor g = g0.contiguous();
        Tensor gx = empty_like(g);
        dispatch_float(g.dtype(), "softmax backward", [&](auto t) {
          using T = decltype(t);
          GANLITE_KERNEL(g.device(), softmax_backward<T>(gx.data<T>(), g.data<T>(), yd.data<T>(),
                                                         outer, n, inner, log));
        });
        return std::vector<Tensor>{gx};
      },
      // The output recomputed as an op of x (a node may not hold its own output):
      // softmax: y (g - sum(g y)); log-softmax: g - exp(y) sum(g).
      [id, x0, d, log](const Tensor& g) {
        const std::vector<int64_t> dims =
            x0.dim() ? std::vector<int64_t>{d} : std::vector<int64_t>{};
        const Tensor y = softmax_op(id, x0, d, log);
        return std::vector<Tensor>{log ? g - exp(y) * sum(g, dims, true)
                                       : y * (g - sum(g * y, dims, true))};
      });
  return y;
}

}  // namespace

Tensor mse_loss(const Tensor& x, const Tensor& y, Reduction r) {
  check_pair("mse_loss", x, y, "target");
  Tensor d = x - y;
  return reduce(d * d, r);
}

Tensor l1_loss(const Tensor& x, const Tensor& y, Reduction r) {
  check_pair("l1_loss", x, y, "target");
  return reduce(abs(x - y), r);
}

Tensor smooth_l1_loss(const Tensor& x, const Tensor& y, double beta, Reduction r) {
  check_pair("smooth_l1_loss", x, y, "target");
  GANLITE_CHECK(beta >= 0, "smooth_l1_loss: beta must be non-negative, got ", beta);
  if (beta == 0) return l1_loss(x, y, r);  // PyTorch's limit: no quadratic zone
  // With c = min(|d|, beta): 0.5 c^2 / beta + (|d| - c) is 0.5 d^2 / beta below beta and
  // |d| - 0.5 beta above, and its gradient is piecewise right, without a mask.
  Tensor a = abs(x - y);
  Tensor c = clamp(a, 0.0, beta);
  return reduce(c * c * (0.5 / beta) + (a - c), r);
}

Tensor bce_with_logits(const Tensor& logits, const Tensor& target, Reduction r) {
  check_pair("bce_with_logits", logits, target, "target");
  // max(x, 0) - x t + log(1 + exp(-|x|)) = softplus(x) - x t; our softplus is the stable form,
  // and its derivative sigmoid(x) keeps the gradient exact at x = 0.
  return reduce(softplus(logits) - logits * target, r);
}

Tensor hinge_loss(const Tensor& x, double sign, double margin) {
  check_float("hinge_loss", x);
  GANLITE_CHECK(sign == 1.0 || sign == -1.0,
                "hinge_loss: sign must be +1 (real) or -1 (fake), got ", sign);
  return mean(relu(margin - x * sign));
}

Tensor softmax(const Tensor& x, int64_t dim) {
  return softmax_op(OpId::softmax, x, dim, false);
}

Tensor log_softmax(const Tensor& x, int64_t dim) {
  return softmax_op(OpId::log_softmax, x, dim, true);
}

Tensor cross_entropy(const Tensor& logits, const Tensor& target) {
  const char* op = "cross_entropy";
  check_float(op, logits, "logits");
  GANLITE_CHECK(logits.dim() == 2, op, ": expected logits of shape (N, C), got ",
                logits.shape_str());
  GANLITE_CHECK(target.defined() && target.dtype() == DType::i64, op, ": target must be i64",
                target.defined() ? std::string(", got ") + dtype_name(target.dtype()) : "");
  int64_t n = logits.shape()[0], c = logits.shape()[1];
  GANLITE_CHECK(target.dim() == 1 && target.shape()[0] == n, op, ": target of shape ",
                target.shape_str(), " does not match logits ", logits.shape_str(), " (want [", n,
                "])");
  GANLITE_CHECK(n > 0, op, ": empty batch, logits of shape ", logits.shape_str());
  GANLITE_CHECK(target.device() == logits.device(), op, ": target is on ",
                device_name(target.device()), " but logits are on ", device_name(logits.device()));
  // Picks -log_softmax at the targets with a one-hot mask: as cheap as the log_softmax itself.
  // The mask is built on the host, where the targets are range-checked, then moved to the
  // logits' device (n values down, n * c up: small next to the logits themselves).
  Tensor t = target.cpu().contiguous();
  Tensor mask = zeros({n, c}, logits.dtype());
  dispatch_float(logits.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const int64_t* tp = t.data<int64_t>();
    T* m = mask.data<T>();
    for (int64_t i = 0; i < n; ++i) {
      GANLITE_CHECK(tp[i] >= 0 && tp[i] < c, op, ": target ", tp[i], " of sample ", i,
                    " is out of range for ", c, " classes (logits ", logits.shape_str(), ")");
      m[i * c + tp[i]] = T(1);
    }
  });
  return sum(log_softmax(logits, 1) * mask.to(logits.device())) * (-1.0 / static_cast<double>(n));
}

}  // namespace ganlite
