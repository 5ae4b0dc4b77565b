// Shared checks for the op front-ends.
#include "engine/ops/common.h"

namespace ganlite {

void check_float(const char* op, const Tensor& x, const char* what) {
  GANLITE_CHECK(x.defined(), op, ": ", what, " is undefined");
  GANLITE_CHECK(is_float(x.dtype()), op, ": ", what, " of shape ", x.shape_str(),
                " must be f32 or f64, got ", dtype_name(x.dtype()));
}

void check_same(const char* op, const Tensor& a, const Tensor& b, const char* what_a,
                const char* what_b) {
  GANLITE_CHECK(b.defined(), op, ": ", what_b, " is undefined");
  GANLITE_CHECK(a.dtype() == b.dtype(), op, ": ", what_a, " ", a.shape_str(), " is ",
                dtype_name(a.dtype()), " but ", what_b, " ", b.shape_str(), " is ",
                dtype_name(b.dtype()));
  GANLITE_CHECK(a.device() == b.device(), op, ": ", what_a, " is on ", device_name(a.device()),
                " but ", what_b, " is on ", device_name(b.device()));
}

void check_rank(const char* op, const Tensor& x, int64_t rank, const char* what) {
  GANLITE_CHECK(x.dim() == rank, op, ": expected ", what, " of rank ", rank, ", got shape ",
                x.shape_str());
}

Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b) {
  size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    GANLITE_CHECK(da == db || da == 1 || db == 1, op, ": shapes ", shape_str(a), " and ",
                  shape_str(b), " do not broadcast (dim ", i, ": ", da, " vs ", db, ")");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

void broadcast_strides(const Tensor& x, const Shape& shape, int64_t* out) {
  size_t lead = shape.size() - x.shape().size();
  for (size_t i = 0; i < shape.size(); ++i)
    out[i] = (i < lead || x.shape()[i - lead] == 1) ? 0 : x.strides()[i - lead];
}

}  // namespace ganlite
