// Gather and join: concat and stack (strided copies into slices of the output; backward slices
// the gradient), index_select (gather along a dim; backward scatter-adds, kernels/cpu/index.h)
// and embedding (index_select of weight rows), with torch.cat/stack/index_select semantics.
#include <array>
#include <string>

#include "engine/ops/common.h"
#include "kernels/cpu/index.h"
#if GANLITE_WITH_CUDA
#include "kernels/cuda/index.h"
#endif

namespace ganlite {
namespace {

void check_index_tensor(const char* op, const Tensor& index) {
  GANLITE_CHECK(index.defined(), op, ": index is undefined");
  GANLITE_CHECK(index.dtype() == DType::i64, op, ": index of shape ", index.shape_str(),
                " must be i64, got ", dtype_name(index.dtype()));
}

// Every value of the (contiguous, i64) index must lie in [0, size); `what` names that range.
// A device index is checked on a host copy.
void check_bounds(const char* op, const Tensor& index, int64_t size, const std::string& what) {
  Tensor host = index.cpu();
  const int64_t* p = host.data<int64_t>();
  for (int64_t i = 0; i < host.numel(); ++i)
    GANLITE_CHECK(p[i] >= 0 && p[i] < size, op, ": index ", p[i], " (at position ", i,
                  ") is out of range for ", what);
}

}  // namespace

Tensor concat(const std::vector<Tensor>& xs, int64_t dim) {
  const char* op = "concat";
  GANLITE_CHECK(!xs.empty(), op, ": expected at least one tensor");
  const Tensor& first = xs[0];
  GANLITE_CHECK(first.defined(), op, ": tensor 0 is undefined");
  GANLITE_CHECK(first.dim() >= 1, op, ": cannot concatenate 0-dim tensors");
  int64_t d = wrap_dim(dim, first.dim(), op);
  Shape out = first.shape();
  out[d] = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    const Tensor& x = xs[i];
    std::string what = "tensor " + std::to_string(i);
    check_same(op, first, x, "tensor 0", what.c_str());
    GANLITE_CHECK(x.dim() == first.dim(), op, ": ", what, " of shape ", x.shape_str(),
                  " has a different rank from tensor 0 of shape ", first.shape_str());
    for (int64_t k = 0; k < x.dim(); ++k)
      GANLITE_CHECK(k == d || x.shape()[k] == first.shape()[k], op, ": ", what, " of shape ",
                    x.shape_str(), " does not match tensor 0 of shape ", first.shape_str(),
                    " in dim ", k, " (concatenating along dim ", d, ")");
    out[d] += x.shape()[d];
  }
  Tensor y = empty(out, first.dtype(), first.device());
  std::vector<int64_t> starts;
  std::vector<bool> wants;
  int64_t at = 0;
  for (const Tensor& x : xs) {
    int64_t len = x.shape()[d];
    if (x.numel() > 0) y.slice(d, at, len).copy_(x.detach());
    starts.push_back(at);
    wants.push_back(x.requires_grad());
    at += len;
  }
  std::vector<int64_t> lens;
  for (const Tensor& x : xs) lens.push_back(x.shape()[d]);
  record_differentiable(OpId::concat, y, xs, [d, starts, lens, wants](const Tensor& g) {
    std::vector<Tensor> gs;
    for (size_t i = 0; i < starts.size(); ++i)
      gs.push_back(wants[i] ? g.slice(d, starts[i], lens[i]) : Tensor());
    return gs;
  });
  return y;
}

Tensor stack(const std::vector<Tensor>& xs, int64_t dim) {
  const char* op = "stack";
  GANLITE_CHECK(!xs.empty(), op, ": expected at least one tensor");
  GANLITE_CHECK(xs[0].defined(), op, ": tensor 0 is undefined");
  int64_t d = wrap_dim(dim, xs[0].dim() + 1, op);
  std::vector<Tensor> parts;
  for (size_t i = 0; i < xs.size(); ++i) {
    GANLITE_CHECK(xs[i].defined() && xs[i].shape() == xs[0].shape(), op, ": tensor ", i,
                  " of shape ", xs[i].defined() ? xs[i].shape_str() : std::string("undefined"),
                  " differs from tensor 0 of shape ", xs[0].shape_str());
    parts.push_back(xs[i].unsqueeze(d));
  }
  return concat(parts, d);
}

namespace {

// Outer, inner extents around dim d of shape s.
std::array<int64_t, 2> around(const Shape& s, int64_t d) {
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < d; ++i) outer *= s[i];
  for (int64_t i = d + 1; i < static_cast<int64_t>(s.size()); ++i) inner *= s[i];
  return {outer, inner};
}

Tensor scatter_add(const Tensor& g, int64_t d, const Tensor& idx, int64_t size);

// The gather along dim d of an index already checked (i64, 1-D, contiguous, on x's device, in
// range): index_select and embedding check, each with its own message, then call this once.
// Gather and scatter-add are each other's adjoint, hence each other's gradient, to any order.
Tensor gather(const Tensor& x, int64_t d, const Tensor& idx) {
  const int64_t size = x.shape()[d], k = idx.numel();
  const auto [outer, inner] = around(x.shape(), d);
  Tensor xc = x.detach().contiguous();
  Shape out = x.shape();
  out[d] = k;
  Tensor y = empty(out, x.dtype(), x.device());
  dispatch_all(x.dtype(), [&](auto t) {
    using T = decltype(t);
    GANLITE_KERNEL(x.device(), index_select<T>(y.data<T>(), xc.data<T>(), idx.data<int64_t>(),
                                               outer, size, k, inner));
  });
  record_differentiable(OpId::index_select, y, {x}, [idx, d, size](const Tensor& g) {
    return std::vector<Tensor>{scatter_add(g, d, idx, size)};
  });
  return y;
}

// Zeros of g's shape with dim d of length size, plus g's slices at the index positions.
Tensor scatter_add(const Tensor& g0, int64_t d, const Tensor& idx, int64_t size) {
  Tensor g = g0.detach().contiguous();
  Shape in = g.shape();
  in[d] = size;
  const auto [outer, inner] = around(in, d);
  Tensor gx = empty(in, g.dtype(), g.device());
  dispatch_float(g.dtype(), "index_select backward", [&](auto t) {
    using T = decltype(t);
    GANLITE_KERNEL(g.device(), index_add<T>(gx.data<T>(), g.data<T>(), idx.data<int64_t>(), outer,
                                            size, idx.numel(), inner));
  });
  record_differentiable(OpId::index_select, gx, {g0}, [idx, d](const Tensor& gg) {
    return std::vector<Tensor>{gather(gg, d, idx)};
  });
  return gx;
}

}  // namespace

Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index) {
  const char* op = "index_select";
  // i64 data (labels) is gathered too; it just has no gradient.
  GANLITE_CHECK(x.defined(), op, ": input is undefined");
  check_index_tensor(op, index);
  GANLITE_CHECK(index.device() == x.device(), op, ": index is on ", device_name(index.device()),
                " but the input of shape ", x.shape_str(), " is on ", device_name(x.device()));
  GANLITE_CHECK(index.dim() == 1, op, ": index must be 1-D, got shape ", index.shape_str());
  GANLITE_CHECK(x.dim() >= 1, op, ": input must have at least one dim, got shape ", x.shape_str());
  int64_t d = wrap_dim(dim, x.dim(), op);
  Tensor idx = index.contiguous();
  const int64_t size = x.shape()[d];
  check_bounds(op, idx, size,
               "dim " + std::to_string(d) + " of size " + std::to_string(size) + " (input shape " +
                   x.shape_str() + ")");
  return gather(x, d, idx);
}

Tensor embedding(const Tensor& index, const Tensor& weight) {
  const char* op = "embedding";
  check_index_tensor(op, index);
  check_float(op, weight, "weight");
  check_rank(op, weight, 2, "weight");
  GANLITE_CHECK(index.device() == weight.device(), op, ": index is on ",
                device_name(index.device()), " but weight ", weight.shape_str(), " is on ",
                device_name(weight.device()));
  Tensor flat = index.reshape({-1}).contiguous();
  check_bounds(
      op, flat, weight.shape()[0],
      "the " + std::to_string(weight.shape()[0]) + " rows of weight " + weight.shape_str());
  // Composite: a gather of weight rows, then the index's shape with the embedding dim appended.
  Shape out = index.shape();
  out.push_back(weight.shape()[1]);
  return gather(weight, 0, flat).reshape(out);
}

}  // namespace ganlite
