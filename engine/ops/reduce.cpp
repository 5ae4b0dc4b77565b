// Reductions over a set of dims. The input is permuted so kept dims come first and reduced dims
// last, then each output element reduces one contiguous row. Backward broadcasts the gradient.
#include "kernels/cpu/reduce.h"

#include <algorithm>

#include "engine/ops/common.h"
#if GANLITE_WITH_CUDA
#include "kernels/cuda/reduce.h"
#endif

namespace ganlite {
namespace {

struct Plan {
  std::vector<int64_t> perm;  // kept dims, then reduced dims
  Shape out_shape;            // without keepdim
  Shape keep_shape;           // with reduced dims as 1
  int64_t rows = 1, cols = 1;
};

Plan plan(const char* op, const Tensor& x, std::vector<int64_t> dims) {
  Plan p;
  std::vector<bool> reduced(x.dim(), dims.empty());
  for (int64_t d : dims) {
    int64_t w = wrap_dim(d, x.dim(), op);
    GANLITE_CHECK(!reduced[w], op, ": dim ", w, " listed twice for shape ", x.shape_str());
    reduced[w] = true;
  }
  for (int64_t d = 0; d < x.dim(); ++d) {
    if (reduced[d]) continue;
    p.perm.push_back(d);
    p.out_shape.push_back(x.shape()[d]);
    p.rows *= x.shape()[d];
  }
  for (int64_t d = 0; d < x.dim(); ++d) {
    p.keep_shape.push_back(reduced[d] ? 1 : x.shape()[d]);
    if (!reduced[d]) continue;
    p.perm.push_back(d);
    p.cols *= x.shape()[d];
  }
  return p;
}

Tensor rows_of(const Tensor& x, const Plan& p) {
  return x.detach().permute(p.perm).contiguous();
}

// Gradient of a reduction: g (out shape) broadcast back over the reduced dims.
Tensor spread(const Tensor& g, const Plan& p, const Shape& in) {
  return g.reshape(p.keep_shape).expand(in);
}

template <class F>
Tensor reduce_forward(const char* op, const Tensor& x, const Plan& p, bool keepdim, F kernel) {
  check_float(op, x);
  Tensor xr = rows_of(x, p);
  Tensor y = empty(keepdim ? p.keep_shape : p.out_shape, x.dtype(), x.device());
  dispatch_float(x.dtype(), op, [&](auto t) {
    using T = decltype(t);
    kernel(y.data<T>(), xr.data<T>());
  });
  return y;
}

}  // namespace

Tensor sum(const Tensor& x, std::vector<int64_t> dims, bool keepdim) {
  Plan p = plan("sum", x, dims);
  Tensor y = reduce_forward("sum", x, p, keepdim, [&](auto* out, const auto* in) {
    GANLITE_KERNEL(x.device(), sum_rows(out, in, p.rows, p.cols));
  });
  record_differentiable(OpId::sum, y, {x}, [p, in = x.shape()](const Tensor& g) {
    return std::vector<Tensor>{spread(g, p, in)};
  });
  return y;
}

Tensor mean(const Tensor& x, std::vector<int64_t> dims, bool keepdim) {
  Plan p = plan("mean", x, dims);
  GANLITE_CHECK(p.cols > 0, "mean: reducing an empty dim of shape ", x.shape_str());
  Tensor y = reduce_forward("mean", x, p, keepdim, [&](auto* out, const auto* in) {
    GANLITE_KERNEL(x.device(), mean_rows(out, in, p.rows, p.cols));
  });
  record_differentiable(OpId::mean, y, {x}, [p, in = x.shape()](const Tensor& g) {
    return std::vector<Tensor>{spread(g / static_cast<double>(p.cols), p, in)};
  });
  return y;
}

Tensor max(const Tensor& x, std::vector<int64_t> dims, bool keepdim) {
  Plan p = plan("max", x, dims);
  GANLITE_CHECK(p.cols > 0, "max: reducing an empty dim of shape ", x.shape_str());
  Tensor y = reduce_forward("max", x, p, keepdim, [&](auto* out, const auto* in) {
    GANLITE_KERNEL(x.device(), max_rows(out, in, p.rows, p.cols));
  });
  Tensor xr = x.requires_grad() ? rows_of(x, p) : Tensor();
  Tensor yd = y.detach();
  // The gradient goes to the maximum of each row: g spread times a constant mask.
  auto routed = [p, xr, yd, in = x.shape()](const Tensor& g0) {
    Tensor g = g0.contiguous();
    Tensor gr = empty_like(xr);
    dispatch_float(g.dtype(), "max backward", [&](auto t) {
      using T = decltype(t);
      GANLITE_KERNEL(g.device(), max_rows_backward<T>(gr.data<T>(), g.data<T>(), xr.data<T>(),
                                                      yd.data<T>(), p.rows, p.cols));
    });
    // gr is laid out in permuted order; undo the permutation.
    Shape permuted;
    for (int64_t d : p.perm) permuted.push_back(in[d]);
    std::vector<int64_t> inverse(p.perm.size());
    for (size_t i = 0; i < p.perm.size(); ++i) inverse[p.perm[i]] = static_cast<int64_t>(i);
    return gr.reshape(permuted).permute(inverse).contiguous();
  };
  record(
      OpId::max, y, {x}, [routed](const Tensor& g) { return std::vector<Tensor>{routed(g)}; },
      [routed, p, yd, in = x.shape()](const Tensor& g) {
        Tensor mask;
        {
          NoGradGuard ng;
          mask = routed(ones_like(yd));
        }
        return std::vector<Tensor>{spread(g, p, in) * mask};
      });
  return y;
}

Tensor var(const Tensor& x, std::vector<int64_t> dims, bool keepdim, bool unbiased) {
  Plan p = plan("var", x, dims);
  int64_t corr = unbiased ? 1 : 0;
  GANLITE_CHECK(p.cols > corr, "var: need more than ", corr, " elements per row, shape ",
                x.shape_str());
  Tensor y = reduce_forward("var", x, p, keepdim, [&](auto* out, const auto* in) {
    GANLITE_KERNEL(x.device(), var_rows(out, in, p.rows, p.cols, corr));
  });
  record_differentiable(OpId::var, y, {x}, [p, x, corr, in = x.shape()](const Tensor& g) {
    // d var / dx_i = 2 (x_i - mean) / (n - correction)
    std::vector<int64_t> reduced(p.perm.begin() + p.out_shape.size(), p.perm.end());
    Tensor centred = x - mean(x, reduced, true);
    double scale = 2.0 / static_cast<double>(p.cols - corr);
    return std::vector<Tensor>{spread(g, p, in) * centred * scale};
  });
  return y;
}

Tensor sum_to(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  GANLITE_CHECK(shape.size() <= x.shape().size(), "sum_to: cannot reduce shape ", x.shape_str(),
                " to the larger rank of ", shape_str(shape));
  size_t lead = x.shape().size() - shape.size();
  std::vector<int64_t> dims;
  for (size_t i = 0; i < x.shape().size(); ++i) {
    if (i < lead) {
      dims.push_back(static_cast<int64_t>(i));
      continue;
    }
    int64_t want = shape[i - lead];
    GANLITE_CHECK(want == x.shape()[i] || want == 1, "sum_to: shape ", x.shape_str(),
                  " does not reduce to ", shape_str(shape), " (dim ", i, ")");
    if (want == 1 && x.shape()[i] != 1) dims.push_back(static_cast<int64_t>(i));
  }
  if (dims.empty()) return x.reshape(shape);
  return sum(x, dims, true).reshape(shape);
}

}  // namespace ganlite
