// Convolution ops: conv2d, conv_transpose2d and unfold, with PyTorch's semantics, on the im2col +
// GEMM kernels of kernels/cpu/conv.h. The transposed convolution is the input gradient (dgrad) of
// a convolution, never zero insertion, so the two ops are each other's backward: d conv2d/dx is
// conv_transpose2d of the gradient and d conv_transpose2d/dx is conv2d of the gradient. On cuda
// tensors the same kernel calls go to kernels/cuda/conv.h.
#include "kernels/cpu/conv.h"

#include "engine/ops/common.h"
#if GANLITE_WITH_CUDA
#include "kernels/cuda/conv.h"
#endif

namespace ganlite {
namespace {

using Pair = std::array<int64_t, 2>;

std::string pair_str(Pair v) {
  return "[" + std::to_string(v[0]) + ", " + std::to_string(v[1]) + "]";
}

void check_params(const char* op, Pair stride, Pair padding, Pair dilation, int64_t groups) {
  GANLITE_CHECK(stride[0] >= 1 && stride[1] >= 1, op, ": stride ", pair_str(stride),
                " must be >= 1");
  GANLITE_CHECK(padding[0] >= 0 && padding[1] >= 0, op, ": padding ", pair_str(padding),
                " must be >= 0");
  GANLITE_CHECK(dilation[0] >= 1 && dilation[1] >= 1, op, ": dilation ", pair_str(dilation),
                " must be >= 1");
  GANLITE_CHECK(groups >= 1, op, ": groups ", groups, " must be >= 1");
}

// Output length of a convolution along one axis; 0 when the dilated kernel does not fit.
int64_t conv_out(int64_t in, int64_t k, int64_t stride, int64_t pad, int64_t dil) {
  int64_t room = in + 2 * pad - dil * (k - 1) - 1;
  return room < 0 ? 0 : room / stride + 1;
}

// The convolution x (N,C,H,W) * w (K,C/g,R,S) -> (N,K,P,Q) in kernel terms.
cpu::ConvShape conv_shape(const Shape& x, const Shape& w, int64_t p, int64_t q, Pair stride,
                          Pair padding, Pair dilation, int64_t groups) {
  cpu::ConvShape cs;
  cs.n = x[0], cs.c = x[1], cs.h = x[2], cs.w = x[3];
  cs.k = w[0], cs.r = w[2], cs.s = w[3], cs.p = p, cs.q = q;
  cs.stride_h = stride[0], cs.stride_w = stride[1], cs.pad_h = padding[0], cs.pad_w = padding[1];
  cs.dil_h = dilation[0], cs.dil_w = dilation[1], cs.groups = groups;
  return cs;
}

void check_bias(const char* op, const Tensor& x, const Tensor& b, int64_t channels,
                const Tensor& w) {
  if (!b.defined()) return;
  check_same(op, x, b, "input", "bias");
  GANLITE_CHECK(b.dim() == 1 && b.shape()[0] == channels, op, ": bias ", b.shape_str(),
                " does not match weight ", w.shape_str(), " (want [", channels, "])");
}

// dw of the convolution `cs` from its input x and output gradient dy (both contiguous).
Tensor weight_grad(const cpu::ConvShape& cs, const Tensor& x, const Tensor& dy, const Shape& w) {
  Tensor dw = empty(w, x.dtype(), x.device());
  dispatch_float(x.dtype(), "conv weight grad", [&](auto t) {
    using T = decltype(t);
    GANLITE_KERNEL(x.device(), conv_wgrad<T>(cs, x.data<T>(), dy.data<T>(), dw.data<T>()));
  });
  return dw;
}

// Sum of g (N, C, H, W) over all dims but the channels.
Tensor bias_grad(const Tensor& g) {
  Tensor db = empty({g.shape()[1]}, g.dtype(), g.device());
  dispatch_float(g.dtype(), "conv bias grad", [&](auto t) {
    using T = decltype(t);
    GANLITE_KERNEL(g.device(), channel_sum<T>(g.data<T>(), g.shape()[0], g.shape()[1],
                                              g.shape()[2] * g.shape()[3], db.data<T>()));
  });
  return db;
}

// Checks shared by every conv op: the input and its partner tensor (weight or output gradient)
// are float, alike and 4-d, and the parameters are valid.
void check_conv_pair(const char* op, const Tensor& x, const Tensor& t, const char* t_name,
                     Pair stride, Pair padding, Pair dilation, int64_t groups) {
  check_float(op, x);
  check_float(op, t, t_name);
  check_same(op, x, t, "input", t_name);
  check_rank(op, x, 4);
  check_rank(op, t, 4, t_name);
  check_params(op, stride, padding, dilation, groups);
}

// Checks shared by conv2d and conv_transpose2d: the above, a non-empty weight, groups.
void check_conv_args(const char* op, const Tensor& x, const Tensor& w, Pair stride, Pair padding,
                     Pair dilation, int64_t groups) {
  check_conv_pair(op, x, w, "weight", stride, padding, dilation, groups);
  GANLITE_CHECK(w.numel() > 0, op, ": weight ", w.shape_str(), " has an empty dim");
  GANLITE_CHECK(x.shape()[1] % groups == 0, op, ": input ", x.shape_str(), " has ", x.shape()[1],
                " channels, which groups ", groups, " does not divide");
}

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b, Pair stride, Pair padding,
              Pair dilation, int64_t groups) {
  const char* op = "conv2d";
  check_conv_args(op, x, w, stride, padding, dilation, groups);
  const Shape &xs = x.shape(), &ws = w.shape();
  GANLITE_CHECK(ws[0] % groups == 0, op, ": weight ", w.shape_str(), " has ", ws[0],
                " output channels, which groups ", groups, " does not divide");
  GANLITE_CHECK(xs[1] == ws[1] * groups, op, ": input ", x.shape_str(), " has ", xs[1],
                " channels but weight ", w.shape_str(), " expects ", ws[1] * groups,
                " (C/groups = ", ws[1], " with groups ", groups, ")");
  check_bias(op, x, b, ws[0], w);
  int64_t p = conv_out(xs[2], ws[2], stride[0], padding[0], dilation[0]);
  int64_t q = conv_out(xs[3], ws[3], stride[1], padding[1], dilation[1]);
  GANLITE_CHECK(p >= 1 && q >= 1, op, ": input ", x.shape_str(), " with padding ",
                pair_str(padding), " is smaller than weight ", w.shape_str(), " dilated by ",
                pair_str(dilation), " (output would be ", p, "x", q, ")");

  cpu::ConvShape cs = conv_shape(xs, ws, p, q, stride, padding, dilation, groups);
  Tensor xc = x.detach().contiguous(), wc = w.detach().contiguous();
  Tensor bc = b.defined() ? b.detach().contiguous() : Tensor();
  Tensor y = empty({xs[0], ws[0], p, q}, x.dtype(), x.device());
  dispatch_float(x.dtype(), op, [&](auto t) {
    using T = decltype(t);
    GANLITE_KERNEL(x.device(), conv_fprop<T>(cs, xc.data<T>(), wc.data<T>(),
                                             bc.defined() ? bc.data<T>() : nullptr, y.data<T>()));
  });

  bool gx = x.requires_grad(), gw = w.requires_grad(), gb = b.defined() && b.requires_grad();
  // Keep x only for the weight gradient and w only for the input gradient.
  Tensor x_saved = gw ? xc : Tensor(), w_saved = gx ? wc : Tensor();
  // The transposed conv maps P back onto H exactly once told the rows the stride dropped.
  Pair out_pad = {(xs[2] + 2 * padding[0] - dilation[0] * (ws[2] - 1) - 1) % stride[0],
                  (xs[3] + 2 * padding[1] - dilation[1] * (ws[3] - 1) - 1) % stride[1]};
  record(
      OpId::conv2d, y, {x, w, b},
      [=](const Tensor& g) {
        const bool wx = wants_grad(gx, 0), ww = wants_grad(gw, 1), wb = wants_grad(gb, 2);
        Tensor gc = g.contiguous();
        return std::vector<Tensor>{
            wx ? conv_transpose2d(gc, w_saved, Tensor(), stride, padding, out_pad, groups, dilation)
               : Tensor(),
            ww ? weight_grad(cs, x_saved, gc, ws) : Tensor(), wb ? bias_grad(gc) : Tensor()};
      },
      // The same three as ops on the inputs as they are: each is bilinear in (g, w) or (x, g).
      [=, x_in = gw ? x : Tensor(), w_in = gx ? w : Tensor()](const Tensor& g) {
        const bool wx = wants_grad(gx, 0), ww = wants_grad(gw, 1), wb = wants_grad(gb, 2);
        return std::vector<Tensor>{
            wx ? conv_transpose2d(g, w_in, Tensor(), stride, padding, out_pad, groups, dilation)
               : Tensor(),
            ww ? conv2d_weight(x_in, g, ws, stride, padding, dilation, groups) : Tensor(),
            wb ? sum(g, {0, 2, 3}) : Tensor()};
      });
  return y;
}

Tensor conv_transpose2d(const Tensor& x, const Tensor& w, const Tensor& b, Pair stride,
                        Pair padding, Pair output_padding, int64_t groups, Pair dilation) {
  const char* op = "conv_transpose2d";
  check_conv_args(op, x, w, stride, padding, dilation, groups);
  const Shape &xs = x.shape(), &ws = w.shape();
  GANLITE_CHECK(xs[1] == ws[0], op, ": input ", x.shape_str(), " has ", xs[1],
                " channels but weight ", w.shape_str(), " (C_in, C_out/groups, R, S) expects ",
                ws[0], " (dim 0)");
  for (int d = 0; d < 2; ++d)
    GANLITE_CHECK(output_padding[d] >= 0 &&
                      (output_padding[d] < stride[d] || output_padding[d] < dilation[d]),
                  op, ": output_padding ", pair_str(output_padding),
                  " must be smaller than stride ", pair_str(stride), " or dilation ",
                  pair_str(dilation), " (dim ", d, ")");
  const int64_t c_out = ws[1] * groups;
  check_bias(op, x, b, c_out, w);
  int64_t h =
      (xs[2] - 1) * stride[0] - 2 * padding[0] + dilation[0] * (ws[2] - 1) + output_padding[0] + 1;
  int64_t wd =
      (xs[3] - 1) * stride[1] - 2 * padding[1] + dilation[1] * (ws[3] - 1) + output_padding[1] + 1;
  GANLITE_CHECK(h >= 1 && wd >= 1, op, ": input ", x.shape_str(), " with weight ", w.shape_str(),
                ", stride ", pair_str(stride), " and padding ", pair_str(padding),
                " gives an empty output (", h, "x", wd, ")");

  // y is the input of the convolution whose output is x: shapes swap roles.
  Shape ys = {xs[0], c_out, h, wd};
  cpu::ConvShape cs = conv_shape(ys, ws, xs[2], xs[3], stride, padding, dilation, groups);
  Tensor xc = x.detach().contiguous(), wc = w.detach().contiguous();
  Tensor y = empty(ys, x.dtype(), x.device());
  dispatch_float(x.dtype(), op, [&](auto t) {
    using T = decltype(t);
    GANLITE_KERNEL(x.device(), conv_dgrad<T>(cs, xc.data<T>(), wc.data<T>(), y.data<T>()));
    if (b.defined())
      GANLITE_KERNEL(x.device(), add_channel_bias<T>(y.data<T>(), b.detach().contiguous().data<T>(),
                                                     ys[0], c_out, h * wd));
  });

  bool gx = x.requires_grad(), gw = w.requires_grad(), gb = b.defined() && b.requires_grad();
  Tensor x_saved = gw ? xc : Tensor(), w_saved = gx ? wc : Tensor();
  // With output_padding >= stride (allowed below the dilation) the conv sees extra rows.
  auto input_grad = [=](const Tensor& g, const Tensor& wt) {
    Tensor dx = conv2d(g, wt, Tensor(), stride, padding, dilation, groups);
    return dx.shape()[2] == xs[2] && dx.shape()[3] == xs[3]
               ? dx
               : dx.slice(2, 0, xs[2]).slice(3, 0, xs[3]);
  };
  record(
      OpId::conv_transpose2d, y, {x, w, b},
      [=](const Tensor& g) {
        const bool wx = wants_grad(gx, 0), ww = wants_grad(gw, 1), wb = wants_grad(gb, 2);
        Tensor gc = g.contiguous();
        return std::vector<Tensor>{wx ? input_grad(gc, w_saved) : Tensor(),
                                   ww ? weight_grad(cs, gc, x_saved, ws) : Tensor(),
                                   wb ? bias_grad(gc) : Tensor()};
      },
      [=, x_in = gw ? x : Tensor(), w_in = gx ? w : Tensor()](const Tensor& g) {
        const bool wx = wants_grad(gx, 0), ww = wants_grad(gw, 1), wb = wants_grad(gb, 2);
        return std::vector<Tensor>{
            wx ? input_grad(g, w_in) : Tensor(),
            ww ? conv2d_weight(g, x_in, ws, stride, padding, dilation, groups) : Tensor(),
            wb ? sum(g, {0, 2, 3}) : Tensor()};
      });
  return y;
}

Tensor conv2d_weight(const Tensor& x, const Tensor& dy, const Shape& ws, Pair stride, Pair padding,
                     Pair dilation, int64_t groups) {
  const char* op = "conv2d_weight";
  check_conv_pair(op, x, dy, "output gradient", stride, padding, dilation, groups);
  GANLITE_CHECK(ws.size() == 4 && ws[0] > 0 && ws[1] > 0 && ws[2] > 0 && ws[3] > 0, op,
                ": weight shape ", shape_str(ws), " must have 4 non-empty dims");
  const Shape& xs = x.shape();
  const Shape& ds = dy.shape();
  GANLITE_CHECK(xs[1] == ws[1] * groups && ws[0] % groups == 0, op, ": input ", x.shape_str(),
                " does not fit weight shape ", shape_str(ws), " with groups ", groups);
  GANLITE_CHECK(ds[0] == xs[0] && ds[1] == ws[0], op, ": output gradient ", dy.shape_str(),
                " does not fit input ", x.shape_str(), " and weight shape ", shape_str(ws));
  // The rows of x beyond the last output row: fewer than a stride step in a plain convolution;
  // up to the dilation when dy is a conv_transpose2d input with a large output_padding.
  Pair extra{};
  for (int d = 0; d < 2; ++d) {
    extra[d] = xs[2 + d] + 2 * padding[d] - dilation[d] * (ws[2 + d] - 1) - 1 -
               (ds[2 + d] - 1) * stride[d];
    GANLITE_CHECK(
        ds[2 + d] >= 1 && extra[d] >= 0 && (extra[d] < stride[d] || extra[d] < dilation[d]), op,
        ": output gradient ", dy.shape_str(), " is not the output size of input ", x.shape_str(),
        " under weight shape ", shape_str(ws), ", stride ", pair_str(stride), ", padding ",
        pair_str(padding), " and dilation ", pair_str(dilation));
  }
  cpu::ConvShape cs = conv_shape(xs, ws, ds[2], ds[3], stride, padding, dilation, groups);
  Tensor dw = weight_grad(cs, x.detach().contiguous(), dy.detach().contiguous(), ws);
  // Bilinear in (x, dy): each gradient is the other convolution of the two remaining operands.
  record_differentiable(OpId::conv2d_weight, dw, {x, dy}, [=](const Tensor& g) {
    Tensor dx, ddy;
    if (wants_grad(x.requires_grad(), 0))
      dx = conv_transpose2d(dy, g, Tensor(), stride, padding, extra, groups, dilation);
    if (wants_grad(dy.requires_grad(), 1)) {
      ddy = conv2d(x, g, Tensor(), stride, padding, dilation, groups);
      if (ddy.shape()[2] != ds[2] || ddy.shape()[3] != ds[3])
        ddy = ddy.slice(2, 0, ds[2]).slice(3, 0, ds[3]);
    }
    return std::vector<Tensor>{dx, ddy};
  });
  return dw;
}

Tensor unfold(const Tensor& x, Pair kernel, Pair dilation, Pair padding, Pair stride) {
  const char* op = "unfold";
  check_float(op, x);
  check_rank(op, x, 4);
  check_params(op, stride, padding, dilation, 1);
  GANLITE_CHECK(kernel[0] >= 1 && kernel[1] >= 1, op, ": kernel ", pair_str(kernel),
                " must be >= 1");
  const Shape& xs = x.shape();
  int64_t p = conv_out(xs[2], kernel[0], stride[0], padding[0], dilation[0]);
  int64_t q = conv_out(xs[3], kernel[1], stride[1], padding[1], dilation[1]);
  GANLITE_CHECK(p >= 1 && q >= 1, op, ": input ", x.shape_str(), " with padding ",
                pair_str(padding), " is smaller than kernel ", pair_str(kernel), " dilated by ",
                pair_str(dilation), " (", p, "x", q, " blocks)");

  const int64_t rows = xs[1] * kernel[0] * kernel[1], hw = xs[2] * xs[3];
  cpu::ConvShape cs =
      conv_shape(xs, {rows, xs[1], kernel[0], kernel[1]}, p, q, stride, padding, dilation, 1);
  Tensor xc = x.detach().contiguous();
  Tensor y = empty({xs[0], rows, p * q}, x.dtype(), x.device());
  // Each image's block is im2col of that image alone: (C*kh*kw, P*Q).
  dispatch_float(x.dtype(), op, [&](auto t) {
    using T = decltype(t);
    for (int64_t n = 0; n < xs[0]; ++n)
      GANLITE_KERNEL(x.device(), im2col<T>(cs, xc.data<T>() + n * xs[1] * hw, 1, 0, xs[1],
                                           y.data<T>() + n * rows * p * q));
  });

  record(OpId::unfold, y, {x}, [cs, xs, rows, hw](const Tensor& g) {
    Tensor gc = g.contiguous();
    Tensor dx = zeros(xs, g.dtype(), g.device());
    dispatch_float(g.dtype(), "unfold backward", [&](auto t) {
      using T = decltype(t);
      for (int64_t n = 0; n < xs[0]; ++n)
        GANLITE_KERNEL(g.device(), col2im<T>(cs, gc.data<T>() + n * rows * cs.p * cs.q, 1, 0, xs[1],
                                             dx.data<T>() + n * xs[1] * hw));
    });
    return std::vector<Tensor>{dx};
  });
  return y;
}

}  // namespace ganlite
