// Matrix products on OpenBLAS or cuBLAS. Transposed views are passed to BLAS as transpose flags, so
// the backward products (g @ b^T, a^T @ g) copy nothing; being matmuls of the inputs themselves,
// they differentiate again.
#include "engine/ops/common.h"
#include "kernels/cpu/gemm.h"
#if GANLITE_WITH_CUDA
#include "kernels/cuda/gemm.h"
#endif

namespace ganlite {
namespace {

struct BlasView {
  Tensor t;  // possibly a contiguous copy
  bool trans = false;
  int64_t ld = 0;
};

// How BLAS should read the last two dims of x: as stored, transposed, or after a copy.
BlasView blas_view(const Tensor& x) {
  int64_t r = x.dim();
  int64_t rows = x.shape()[r - 2], cols = x.shape()[r - 1];
  int64_t s0 = x.strides()[r - 2], s1 = x.strides()[r - 1];
  if ((s1 == 1 || cols == 1) && s0 >= std::max<int64_t>(cols, 1)) return {x, false, s0};
  if ((s0 == 1 || rows == 1) && s1 >= std::max<int64_t>(rows, 1)) return {x, true, s1};
  Tensor c = x.contiguous();
  return {c, false, std::max<int64_t>(cols, 1)};
}

// out[b] = a[b] @ bm[b] for each batch index (batch dim 0 when rank 3).
void batched_gemm(const Tensor& a, const Tensor& bm, Tensor& out) {
  BlasView va = blas_view(a), vb = blas_view(bm);
  int64_t r = a.dim();
  int64_t batch = r == 3 ? a.shape()[0] : 1;
  int64_t m = a.shape()[r - 2], k = a.shape()[r - 1], n = bm.shape()[r - 1];
  int64_t sa = r == 3 ? va.t.strides()[0] : 0, sb = r == 3 ? vb.t.strides()[0] : 0;
  dispatch_float(a.dtype(), "matmul", [&](auto t) {
    using T = decltype(t);
    for (int64_t i = 0; i < batch; ++i)
      GANLITE_KERNEL(a.device(), gemm<T>(va.trans, vb.trans, m, n, k, T(1), va.t.data<T>() + i * sa,
                                         va.ld, vb.t.data<T>() + i * sb, vb.ld, T(0),
                                         out.data<T>() + i * m * n, std::max<int64_t>(n, 1)));
  });
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  check_float("matmul", a, "lhs");
  check_float("matmul", b, "rhs");
  check_same("matmul", a, b, "lhs", "rhs");
  check_rank("matmul", a, 2, "lhs");
  check_rank("matmul", b, 2, "rhs");
  GANLITE_CHECK(a.shape()[1] == b.shape()[0], "matmul: lhs ", a.shape_str(), " and rhs ",
                b.shape_str(), " do not chain (dim 1 of lhs ", a.shape()[1], " vs dim 0 of rhs ",
                b.shape()[0], ")");
  Tensor y = empty({a.shape()[0], b.shape()[1]}, a.dtype(), a.device());
  batched_gemm(a, b, y);
  bool ga = a.requires_grad(), gb = b.requires_grad();
  record_differentiable(OpId::matmul, y, {a, b}, [a, b, ga, gb](const Tensor& g) {
    return std::vector<Tensor>{wants_grad(ga, 0) ? matmul(g, b.transpose(0, 1)) : Tensor(),
                               wants_grad(gb, 1) ? matmul(a.transpose(0, 1), g) : Tensor()};
  });
  return y;
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  check_float("bmm", a, "lhs");
  check_float("bmm", b, "rhs");
  check_same("bmm", a, b, "lhs", "rhs");
  check_rank("bmm", a, 3, "lhs");
  check_rank("bmm", b, 3, "rhs");
  GANLITE_CHECK(a.shape()[0] == b.shape()[0] && a.shape()[2] == b.shape()[1], "bmm: lhs ",
                a.shape_str(), " and rhs ", b.shape_str(),
                " do not chain (need equal dim 0, and dim 2 of lhs == dim 1 of rhs)");
  Tensor y = empty({a.shape()[0], a.shape()[1], b.shape()[2]}, a.dtype(), a.device());
  batched_gemm(a, b, y);
  bool ga = a.requires_grad(), gb = b.requires_grad();
  record_differentiable(OpId::bmm, y, {a, b}, [a, b, ga, gb](const Tensor& g) {
    return std::vector<Tensor>{wants_grad(ga, 0) ? bmm(g, b.transpose(1, 2)) : Tensor(),
                               wants_grad(gb, 1) ? bmm(a.transpose(1, 2), g) : Tensor()};
  });
  return y;
}

Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b) {
  check_float("linear", x);
  check_float("linear", w, "weight");
  check_rank("linear", w, 2, "weight");
  GANLITE_CHECK(x.dim() >= 1 && x.shape().back() == w.shape()[1], "linear: input ", x.shape_str(),
                " has ", x.dim() ? x.shape().back() : 0, " features in its last dim, weight ",
                w.shape_str(), " expects ", w.shape()[1]);
  if (b.defined())
    GANLITE_CHECK(b.dim() == 1 && b.shape()[0] == w.shape()[0], "linear: bias ", b.shape_str(),
                  " does not match weight ", w.shape_str(), " (want [", w.shape()[0], "])");
  Shape out = x.shape();
  out.back() = w.shape()[0];
  Tensor y = matmul(x.reshape({-1, w.shape()[1]}), w.transpose(0, 1));
  if (b.defined()) y = y + b;
  return y.reshape(out);
}

}  // namespace ganlite
