// Views (reshape, permute, slice, expand, squeeze) share storage with their base; contiguous,
// clone and to(dtype) copy. Backward: each view's gradient is the inverse view of the gradient.
#include <algorithm>
#include <numeric>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "kernels/cpu/copy.h"

namespace ganlite {
namespace {

Tensor make_view(const Tensor& x, Shape shape, Shape strides, int64_t offset) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = x.impl()->storage;
  impl->shape = std::move(shape);
  impl->strides = std::move(strides);
  impl->offset = offset;
  impl->dtype = x.dtype();
  return Tensor(impl);
}

// A view whose gradient is the gradient reshaped back to x's shape.
Tensor reshaping_view(const Tensor& x, Shape shape, Shape strides) {
  Tensor y = make_view(x, std::move(shape), std::move(strides), x.offset());
  Shape in = x.shape();
  record_differentiable(OpId::reshape, y, {x},
                        [in](const Tensor& g) -> std::vector<Tensor> { return {g.reshape(in)}; });
  return y;
}

Tensor copy_as(const Tensor& x, DType dtype, Device device) {
  Tensor y = empty(x.shape(), dtype, device);
  y.copy_(x.detach());
  return y;
}

}  // namespace

Tensor Tensor::view(Shape s) const {
  int64_t infer = -1, known = 1;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == -1) {
      GANLITE_CHECK(infer < 0, "view: more than one -1 in shape ", ganlite::shape_str(s));
      infer = static_cast<int64_t>(i);
    } else {
      GANLITE_CHECK(s[i] >= 0, "view: negative size in shape ", ganlite::shape_str(s));
      known *= s[i];
    }
  }
  if (infer >= 0) {
    GANLITE_CHECK(known > 0 && numel() % known == 0, "view: shape ", ganlite::shape_str(s),
                  " is invalid for a tensor of shape ", shape_str());
    s[infer] = numel() / known;
  }
  GANLITE_CHECK(shape_numel(s) == numel(), "view: shape ", ganlite::shape_str(s),
                " is invalid for a tensor of shape ", shape_str(), " (", numel(), " elements)");
  GANLITE_CHECK(is_contiguous(), "view: tensor of shape ", shape_str(), " and strides ",
                ganlite::shape_str(strides()), " is not contiguous; use reshape()");
  Shape st = contiguous_strides(s);
  return reshaping_view(*this, std::move(s), std::move(st));
}

Tensor Tensor::reshape(Shape s) const {
  return is_contiguous() ? view(s) : contiguous().view(s);
}

Tensor Tensor::permute(std::vector<int64_t> dims) const {
  GANLITE_CHECK(static_cast<int64_t>(dims.size()) == dim(), "permute: ", dims.size(),
                " dims given for a tensor of shape ", shape_str());
  std::vector<int64_t> inverse(dims.size(), -1);
  Shape s(dims.size()), st(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) {
    int64_t d = wrap_dim(dims[i], dim(), "permute");
    GANLITE_CHECK(inverse[d] < 0, "permute: dim ", d, " repeated for shape ", shape_str());
    inverse[d] = static_cast<int64_t>(i);
    s[i] = shape()[d];
    st[i] = strides()[d];
  }
  Tensor y = make_view(*this, s, st, offset());
  record_differentiable(
      OpId::permute, y, {*this},
      [inverse](const Tensor& g) -> std::vector<Tensor> { return {g.permute(inverse)}; });
  return y;
}

Tensor Tensor::transpose(int64_t a, int64_t b) const {
  std::vector<int64_t> dims(dim());
  std::iota(dims.begin(), dims.end(), 0);
  std::swap(dims[wrap_dim(a, dim(), "transpose")], dims[wrap_dim(b, dim(), "transpose")]);
  return permute(dims);
}

Tensor Tensor::slice(int64_t d, int64_t start, int64_t length) const {
  d = wrap_dim(d, dim(), "slice");
  GANLITE_CHECK(start >= 0 && length >= 0 && start + length <= shape()[d], "slice: range [", start,
                ", ", start + length, ") out of bounds for dim ", d, " of shape ", shape_str());
  Shape s = shape();
  s[d] = length;
  Tensor y = make_view(*this, s, strides(), offset() + start * strides()[d]);
  Shape in = shape();
  record(
      OpId::slice, y, {*this},
      [in, d, start, length](const Tensor& g) -> std::vector<Tensor> {
        Tensor gx = zeros(in, g.dtype(), g.device());
        gx.slice(d, start, length).copy_(g);
        return {gx};
      },
      // The same zero-filled gradient as a concat, which differentiates (back to the slice).
      [in, d, start, length](const Tensor& g) -> std::vector<Tensor> {
        std::vector<Tensor> parts;
        Shape before = in, after = in;
        before[d] = start;
        after[d] = in[d] - start - length;
        if (start > 0) parts.push_back(zeros(before, g.dtype(), g.device()));
        parts.push_back(g);
        if (after[d] > 0) parts.push_back(zeros(after, g.dtype(), g.device()));
        return {parts.size() == 1 ? g : concat(parts, d)};
      });
  return y;
}

Tensor Tensor::expand(Shape s) const {
  GANLITE_CHECK(static_cast<int64_t>(s.size()) >= dim(), "expand: cannot expand shape ",
                shape_str(), " to fewer dims ", ganlite::shape_str(s));
  size_t lead = s.size() - shape().size();
  Shape st(s.size(), 0);
  for (size_t i = 0; i < s.size(); ++i) {
    if (i < lead) {
      GANLITE_CHECK(s[i] >= 0, "expand: new dim ", i, " needs an explicit size, got ", s[i]);
      continue;
    }
    int64_t have = shape()[i - lead];
    if (s[i] == -1) s[i] = have;
    GANLITE_CHECK(have == s[i] || have == 1, "expand: shape ", shape_str(), " cannot expand to ",
                  ganlite::shape_str(s), " (dim ", i, ": ", have, " vs ", s[i], ")");
    st[i] = have == s[i] ? strides()[i - lead] : 0;
  }
  if (s == shape()) return *this;
  Tensor y = make_view(*this, s, st, offset());
  Shape in = shape();
  record_differentiable(OpId::expand, y, {*this},
                        [in](const Tensor& g) -> std::vector<Tensor> { return {sum_to(g, in)}; });
  return y;
}

Tensor Tensor::unsqueeze(int64_t d) const {
  d = wrap_dim(d, dim() + 1, "unsqueeze");
  Shape s = shape(), st = strides();
  int64_t inner = d < dim() ? strides()[d] * shape()[d] : 1;
  s.insert(s.begin() + d, 1);
  st.insert(st.begin() + d, inner);
  return reshaping_view(*this, s, st);
}

Tensor Tensor::squeeze(int64_t d) const {
  d = wrap_dim(d, dim(), "squeeze");
  GANLITE_CHECK(shape()[d] == 1, "squeeze: dim ", d, " of shape ", shape_str(), " is not 1");
  Shape s = shape(), st = strides();
  s.erase(s.begin() + d);
  st.erase(st.begin() + d);
  return reshaping_view(*this, s, st);
}

Tensor Tensor::flatten(int64_t start, int64_t end) const {
  if (dim() == 0) return reshape({1});
  start = wrap_dim(start, dim(), "flatten");
  end = wrap_dim(end, dim(), "flatten");
  GANLITE_CHECK(start <= end, "flatten: start dim ", start, " after end dim ", end);
  Shape s(shape().begin(), shape().begin() + start);
  int64_t n = 1;
  for (int64_t i = start; i <= end; ++i) n *= shape()[i];
  s.push_back(n);
  s.insert(s.end(), shape().begin() + end + 1, shape().end());
  return reshape(s);
}

Tensor Tensor::clone() const {
  Tensor y = copy_as(*this, dtype(), device());
  record_differentiable(OpId::contiguous, y, {*this},
                        [](const Tensor& g) -> std::vector<Tensor> { return {g}; });
  return y;
}

Tensor Tensor::contiguous() const {
  return is_contiguous() ? *this : clone();
}

Tensor Tensor::to(DType t) const {
  if (t == dtype()) return *this;
  Tensor y = copy_as(*this, t, device());
  DType from = dtype();
  if (is_float(t) && is_float(from))
    record_differentiable(OpId::cast, y, {*this},
                          [from](const Tensor& g) -> std::vector<Tensor> { return {g.to(from)}; });
  return y;
}

// A device move is a cast of where the data lives: recorded as `cast`, its backward moves the
// gradient back.
Tensor Tensor::to(Device d) const {
  if (d == device()) return *this;
  Tensor y = copy_as(*this, dtype(), d);
  Device from = device();
  if (is_float(dtype()))
    record_differentiable(OpId::cast, y, {*this},
                          [from](const Tensor& g) -> std::vector<Tensor> { return {g.to(from)}; });
  return y;
}

}  // namespace ganlite
