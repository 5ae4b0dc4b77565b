// Unary math and activations. One kernel computes y = f(x); one computes g * f'(x) from x or y,
// whichever the derivative is cheaper in (tanh and sigmoid from y, relu from x). The
// differentiable backward writes g * f'(x) with ops on x (for f' piecewise constant, f'' = 0:
// g times the derivative as a constant).
#include "engine/ops/common.h"
#include "kernels/cpu/elementwise.h"
#if GANLITE_WITH_CUDA
#include "kernels/cuda/elementwise.h"
#endif

namespace ganlite {
namespace {

// g * f'(x) on the kernels.
Tensor unary_grad(cpu::UnaryOp kind, cpu::UnaryParams p, const Tensor& g0, const Tensor& xd,
                  const Tensor& yd) {
  Tensor g = g0.contiguous();
  Tensor gx = empty_like(g);
  dispatch_float(g.dtype(), "unary backward", [&](auto t) {
    using T = decltype(t);
    GANLITE_KERNEL(g.device(), unary_backward<T>(kind, p, gx.data<T>(), g.data<T>(), xd.data<T>(),
                                                 yd.data<T>(), g.numel()));
  });
  return gx;
}

// g * f'(x) with ops on x (attached), so it differentiates again.
Tensor unary_grad_ops(cpu::UnaryOp kind, cpu::UnaryParams p, const Tensor& g, const Tensor& x) {
  using K = cpu::UnaryOp;
  switch (kind) {
    case K::neg:
      return neg(g);
    case K::exp:
      return g * exp(x);
    case K::log:
      return g / x;
    case K::sqrt:
      return g * 0.5 / sqrt(x);
    case K::tanh: {
      const Tensor t = tanh(x);
      return g * (1.0 - t * t);
    }
    case K::sigmoid: {
      const Tensor s = sigmoid(x);
      return g * s * (1.0 - s);
    }
    case K::softplus:
      return g * sigmoid(x);
    case K::pow:
      return g * (p.p0 * pow(x, p.p0 - 1.0));
    case K::abs:
    case K::relu:
    case K::leaky_relu:
    case K::clamp: {
      // Piecewise linear: f' is a constant of x (its derivative is 0 where it exists).
      Tensor slope;
      {
        NoGradGuard ng;
        const Tensor xd = x.detach().contiguous();
        // These derivatives read x only: x stands in for y too.
        slope = unary_grad(kind, p, ones_like(xd), xd, xd);
      }
      return g * slope;
    }
  }
  GANLITE_FAIL("unary: no differentiable backward for this op");
}

Tensor unary_op(OpId id, cpu::UnaryOp kind, const Tensor& x0, cpu::UnaryParams p = {}) {
  const char* op = op_name(id);
  check_float(op, x0);
  Tensor x = x0.contiguous();
  Tensor y = empty_like(x);
  dispatch_float(x.dtype(), op, [&](auto t) {
    using T = decltype(t);
    GANLITE_KERNEL(x.device(), unary<T>(kind, p, y.data<T>(), x.data<T>(), x.numel()));
  });
  Tensor xd = x.detach(), yd = y.detach();
  record(
      id, y, {x0},
      [kind, p, xd, yd](const Tensor& g) {
        return std::vector<Tensor>{unary_grad(kind, p, g, xd, yd)};
      },
      [kind, p, x0](const Tensor& g) {
        return std::vector<Tensor>{unary_grad_ops(kind, p, g, x0)};
      });
  return y;
}

}  // namespace

Tensor neg(const Tensor& x) {
  return unary_op(OpId::neg, cpu::UnaryOp::neg, x);
}
Tensor exp(const Tensor& x) {
  return unary_op(OpId::exp, cpu::UnaryOp::exp, x);
}
Tensor log(const Tensor& x) {
  return unary_op(OpId::log, cpu::UnaryOp::log, x);
}
Tensor sqrt(const Tensor& x) {
  return unary_op(OpId::sqrt, cpu::UnaryOp::sqrt, x);
}
Tensor abs(const Tensor& x) {
  return unary_op(OpId::abs, cpu::UnaryOp::abs, x);
}
Tensor relu(const Tensor& x) {
  return unary_op(OpId::relu, cpu::UnaryOp::relu, x);
}
Tensor tanh(const Tensor& x) {
  return unary_op(OpId::tanh, cpu::UnaryOp::tanh, x);
}
Tensor sigmoid(const Tensor& x) {
  return unary_op(OpId::sigmoid, cpu::UnaryOp::sigmoid, x);
}
Tensor softplus(const Tensor& x) {
  return unary_op(OpId::softplus, cpu::UnaryOp::softplus, x);
}

Tensor clamp(const Tensor& x, double lo, double hi) {
  GANLITE_CHECK(lo <= hi, "clamp: lower bound ", lo, " exceeds upper bound ", hi);
  return unary_op(OpId::clamp, cpu::UnaryOp::clamp, x, {lo, hi});
}

Tensor leaky_relu(const Tensor& x, double slope) {
  return unary_op(OpId::leaky_relu, cpu::UnaryOp::leaky_relu, x, {slope, 0});
}

Tensor pow(const Tensor& x, double exponent) {
  return unary_op(OpId::pow_scalar, cpu::UnaryOp::pow, x, {exponent, 0});
}

Tensor custom_grad(const Tensor& x, Hook fn) {
  check_float("custom_grad", x);
  Tensor y = x.detach();
  // Differentiable when fn is written with ops (negate_grad, scale_grad_per_sample are).
  record_differentiable(OpId::custom_grad, y, {x}, [fn, s = x.shape()](const Tensor& g) {
    Tensor out = fn(g);
    GANLITE_CHECK(out.defined() && out.shape() == s, "custom_grad: the gradient function must ",
                  "return shape ", shape_str(s));
    return std::vector<Tensor>{out};
  });
  return y;
}

}  // namespace ganlite
