// Broadcasting binary ops. Backward: the textbook derivatives, each reduced to its input's
// shape by sum_to (the one place broadcast gradients are folded back), written with ops on the
// inputs, so they differentiate again (div and pow keep a first-order form on their output).
#include <cmath>

#include "engine/ops/common.h"
#include "kernels/cpu/elementwise.h"
#if GANLITE_WITH_CUDA
#include "kernels/cuda/elementwise.h"
#endif

namespace ganlite {
namespace {

Tensor binary_forward(const char* op, cpu::BinaryOp kind, const Tensor& a, const Tensor& b) {
  check_float(op, a, "lhs");
  check_float(op, b, "rhs");
  check_same(op, a, b, "lhs", "rhs");
  Shape shape = broadcast_shapes(op, a.shape(), b.shape());
  Tensor out = empty(shape, a.dtype(), a.device());
  auto l = make_layout<3>(op, shape);
  for (int d = 0; d < l.ndim; ++d) l.stride[0][d] = out.strides()[d];
  broadcast_strides(a, shape, l.stride[1]);
  broadcast_strides(b, shape, l.stride[2]);
  dispatch_float(a.dtype(), op, [&](auto t) {
    using T = decltype(t);
    GANLITE_KERNEL(a.device(), binary<T>(kind, out.data<T>(), a.data<T>(), b.data<T>(), l));
  });
  return out;
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b) {
  Tensor y = binary_forward("add", cpu::BinaryOp::add, a, b);
  record_differentiable(OpId::add, y, {a, b}, [sa = a.shape(), sb = b.shape()](const Tensor& g) {
    return std::vector<Tensor>{sum_to(g, sa), sum_to(g, sb)};
  });
  return y;
}

Tensor sub(const Tensor& a, const Tensor& b) {
  Tensor y = binary_forward("sub", cpu::BinaryOp::sub, a, b);
  record_differentiable(OpId::sub, y, {a, b}, [sa = a.shape(), sb = b.shape()](const Tensor& g) {
    return std::vector<Tensor>{sum_to(g, sa), sum_to(neg(g), sb)};
  });
  return y;
}

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor y = binary_forward("mul", cpu::BinaryOp::mul, a, b);
  bool ga = a.requires_grad(), gb = b.requires_grad();
  record_differentiable(OpId::mul, y, {a, b}, [a, b, ga, gb](const Tensor& g) {
    return std::vector<Tensor>{ga ? sum_to(g * b, a.shape()) : Tensor(),
                               gb ? sum_to(g * a, b.shape()) : Tensor()};
  });
  return y;
}

Tensor div(const Tensor& a, const Tensor& b) {
  Tensor y = binary_forward("div", cpu::BinaryOp::div, a, b);
  Tensor ad = a.detach(), bd = b.detach(), yd = y.detach();
  bool ga = a.requires_grad(), gb = b.requires_grad();
  record(
      OpId::div, y, {a, b},
      [ad, bd, yd, ga, gb](const Tensor& g) {
        Tensor gq = g / bd;  // d(a/b)/da = 1/b ; d(a/b)/db = -y/b
        return std::vector<Tensor>{ga ? sum_to(gq, ad.shape()) : Tensor(),
                                   gb ? sum_to(neg(gq * yd), bd.shape()) : Tensor()};
      },
      [a, b, ga, gb](const Tensor& g) {
        Tensor gq = g / b;
        return std::vector<Tensor>{ga ? sum_to(gq, a.shape()) : Tensor(),
                                   gb ? sum_to(neg(gq * (a / b)), b.shape()) : Tensor()};
      });
  return y;
}

Tensor pow(const Tensor& a, const Tensor& b) {
  Tensor y = binary_forward("pow", cpu::BinaryOp::pow, a, b);
  Tensor ad = a.detach(), bd = b.detach(), yd = y.detach();
  bool ga = a.requires_grad(), gb = b.requires_grad();
  record(
      OpId::pow, y, {a, b},
      [ad, bd, yd, ga, gb](const Tensor& g) {
        // d(a^b)/da = b a^(b-1) ; d(a^b)/db = a^b log a
        return std::vector<Tensor>{ga ? sum_to(g * bd * pow(ad, bd - 1.0), ad.shape()) : Tensor(),
                                   gb ? sum_to(g * yd * log(ad), bd.shape()) : Tensor()};
      },
      [a, b, ga, gb](const Tensor& g) {
        return std::vector<Tensor>{ga ? sum_to(g * b * pow(a, b - 1.0), a.shape()) : Tensor(),
                                   gb ? sum_to(g * pow(a, b) * log(a), b.shape()) : Tensor()};
      });
  return y;
}

Tensor operator+(const Tensor& a, const Tensor& b) {
  return add(a, b);
}
Tensor operator-(const Tensor& a, const Tensor& b) {
  return sub(a, b);
}
Tensor operator*(const Tensor& a, const Tensor& b) {
  return mul(a, b);
}
Tensor operator/(const Tensor& a, const Tensor& b) {
  return div(a, b);
}
Tensor operator-(const Tensor& x) {
  return neg(x);
}
Tensor operator+(const Tensor& a, double b) {
  return add(a, scalar(b, a.dtype(), a.device()));
}
Tensor operator-(const Tensor& a, double b) {
  return sub(a, scalar(b, a.dtype(), a.device()));
}
Tensor operator*(const Tensor& a, double b) {
  return mul(a, scalar(b, a.dtype(), a.device()));
}
Tensor operator/(const Tensor& a, double b) {
  return div(a, scalar(b, a.dtype(), a.device()));
}
Tensor operator+(double a, const Tensor& b) {
  return add(scalar(a, b.dtype(), b.device()), b);
}
Tensor operator-(double a, const Tensor& b) {
  return sub(scalar(a, b.dtype(), b.device()), b);
}
Tensor operator*(double a, const Tensor& b) {
  return mul(scalar(a, b.dtype(), b.device()), b);
}
Tensor operator/(double a, const Tensor& b) {
  return div(scalar(a, b.dtype(), b.device()), b);
}

}  // namespace ganlite
