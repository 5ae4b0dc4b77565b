// Unary math and activations. One kernel computes y = f(x); one computes g * f'(x) from x or y,
// whichever the derivative is cheaper in (tanh and sigmoid from y, relu from x).
#include "engine/ops/common.h"
#include "kernels/cpu/elementwise.h"
#if GANLITE_WITH_CUDA
#include "kernels/cuda/elementwise.h"
#endif

namespace ganlite {
namespace {

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
  record(id, y, {x0}, [kind, p, xd, yd](const Tensor& g0) {
    Tensor g = g0.contiguous();
    Tensor gx = empty_like(g);
    dispatch_float(g.dtype(), "unary backward", [&](auto t) {
      using T = decltype(t);
      GANLITE_KERNEL(g.device(), unary_backward<T>(kind, p, gx.data<T>(), g.data<T>(), xd.data<T>(),
                                                   yd.data<T>(), g.numel()));
    });
    return std::vector<Tensor>{gx};
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
  record(OpId::custom_grad, y, {x}, [fn, s = x.shape()](const Tensor& g) {
    Tensor out = fn(g);
    GANLITE_CHECK(out.defined() && out.shape() == s, "custom_grad: the gradient function must ",
                  "return shape ", shape_str(s));
    return std::vector<Tensor>{out};
  });
  return y;
}

}  // namespace ganlite
