// Tensor handle: accessors, storage, factories, printing and in-place updates. Views and other
// differentiable methods live in engine/ops/view.cpp.
#include "engine/tensor.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <iomanip>
#include <new>
#include <sstream>

#include "engine/autograd.h"
#include "engine/backend.h"
#include "engine/ops.h"
#include "kernels/cpu/allocator.h"
#include "kernels/cpu/copy.h"
#if GANLITE_WITH_CUDA
#include "kernels/cuda/copy.h"
#include "kernels/cuda/device.h"
#endif

namespace ganlite {

std::string shape_str(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

int64_t shape_numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

Shape contiguous_strides(const Shape& shape) {
  Shape st(shape.size());
  int64_t s = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    st[i] = s;
    s *= std::max<int64_t>(shape[i], 1);
  }
  return st;
}

int64_t wrap_dim(int64_t dim, int64_t rank, const char* op) {
  int64_t r = std::max<int64_t>(rank, 1);
  GANLITE_CHECK(dim >= -r && dim < r, op, ": dim ", dim, " out of range for a tensor of rank ",
                rank);
  return dim < 0 ? dim + r : dim;
}

std::shared_ptr<Storage> allocate_storage(size_t bytes, Device device) {
  auto s = std::make_shared<Storage>();
  s->bytes = bytes;
  s->device = device;
  if (device == Device::cuda) {
#if GANLITE_WITH_CUDA
    s->data = cuda::alloc(bytes);
    s->deleter = [](void* p) { cuda::release(p); };
    return s;
#else
    detail::no_cuda_backend(__FILE__, __LINE__);
#endif
  }
  try {
    s->data = cpu::alloc(bytes);
  } catch (const std::bad_alloc&) {
    GANLITE_FAIL("allocate: out of host memory for ", bytes, " bytes");
  }
  s->deleter = [bytes](void* p) { cpu::release(p, bytes); };
  return s;
}

// ---- accessors

const Shape& Tensor::shape() const {
  GANLITE_CHECK(impl_, "tensor: use of an undefined tensor");
  return impl_->shape;
}
const Shape& Tensor::strides() const {
  return impl_->strides;
}
int64_t Tensor::offset() const {
  return impl_->offset;
}
int64_t Tensor::size(int64_t d) const {
  return shape()[wrap_dim(d, dim(), "size")];
}
int64_t Tensor::stride(int64_t d) const {
  return strides()[wrap_dim(d, dim(), "stride")];
}
int64_t Tensor::numel() const {
  return shape_numel(shape());
}
DType Tensor::dtype() const {
  GANLITE_CHECK(impl_, "tensor: use of an undefined tensor");
  return impl_->dtype;
}
Device Tensor::device() const {
  return impl_->storage->device;
}

bool Tensor::is_contiguous() const {
  int64_t expect = 1;
  for (int64_t d = dim() - 1; d >= 0; --d) {
    if (shape()[d] == 1) continue;
    if (strides()[d] != expect) return false;
    expect *= shape()[d];
  }
  return true;
}

template <class T>
T* Tensor::data() const {
  GANLITE_CHECK(dtype() == dtype_of<T>(), "data: tensor is ", dtype_name(dtype()), ", requested ",
                dtype_name(dtype_of<T>()));
  return static_cast<T*>(impl_->storage->data) + impl_->offset;
}
template float* Tensor::data<float>() const;
template double* Tensor::data<double>() const;
template int64_t* Tensor::data<int64_t>() const;

template <class T>
std::vector<T> Tensor::to_vector() const {
  Tensor c = detach().to(Device::cpu).to(dtype_of<T>()).contiguous();
  const T* p = c.data<T>();
  return std::vector<T>(p, p + c.numel());
}
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;
template std::vector<int64_t> Tensor::to_vector<int64_t>() const;

double Tensor::item() const {
  GANLITE_CHECK(numel() == 1, "item: expected a one-element tensor, got shape ", shape_str());
  if (device() != Device::cpu) return detach().to(Device::cpu).item();
  double v = 0;
  dispatch_all(dtype(), [&](auto t) {
    using T = decltype(t);
    v = static_cast<double>(*data<T>());
  });
  return v;
}

std::string Tensor::str(int64_t max_per_dim) const {
  if (!defined()) return "tensor(undefined)";
  std::ostringstream os;
  std::vector<double> v = to_vector<double>();
  Shape st = contiguous_strides(shape());
  os << std::setprecision(5);
  // Recursive nested-list printing with elision past max_per_dim entries per dim.
  std::function<void(int64_t, int64_t)> rec = [&](int64_t d, int64_t base) {
    if (d == dim()) {
      os << v[base];
      return;
    }
    os << "[";
    int64_t n = shape()[d];
    for (int64_t i = 0; i < n; ++i) {
      if (n > max_per_dim && i == max_per_dim / 2) {
        os << "..., ";
        i = n - max_per_dim / 2;
      }
      rec(d + 1, base + i * st[d]);
      if (i + 1 < n) os << ", ";
    }
    os << "]";
  };
  os << "tensor(";
  rec(0, 0);
  os << ", shape=" << shape_str() << ", dtype=" << dtype_name(dtype())
     << ", device=" << device_name(device());
  if (requires_grad()) os << ", requires_grad";
  os << ")";
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) {
  return os << t.str();
}

// ---- autograd state

bool Tensor::requires_grad() const {
  return impl_ && impl_->requires_grad;
}

Tensor& Tensor::requires_grad_(bool on) {
  GANLITE_CHECK(is_leaf() || on,
                "requires_grad_: only leaves can stop requiring grad; use detach()");
  GANLITE_CHECK(!on || is_float(dtype()), "requires_grad_: ", dtype_name(dtype()),
                " tensors cannot require grad");
  impl_->requires_grad = on;
  return *this;
}

bool Tensor::is_leaf() const {
  return !impl_->grad_fn;
}
Tensor Tensor::grad() const {
  return impl_->grad;
}
void Tensor::zero_grad() {
  impl_->grad = Tensor();
}

Tensor Tensor::detach() const {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = impl_->storage;
  impl->shape = impl_->shape;
  impl->strides = impl_->strides;
  impl->offset = impl_->offset;
  impl->dtype = impl_->dtype;
  return Tensor(impl);
}

void Tensor::backward(Tensor g, bool retain_graph, bool create_graph) const {
  ganlite::backward({*this}, {g}, retain_graph, create_graph);
}

void Tensor::register_hook(Hook hook) {
  GANLITE_CHECK(requires_grad(), "register_hook: tensor of shape ", shape_str(),
                " does not require grad");
  if (impl_->grad_fn)
    impl_->grad_fn->hooks.push_back(std::move(hook));
  else
    impl_->hooks.push_back(std::move(hook));
}

const char* Tensor::grad_fn_name() const {
  return impl_->grad_fn ? op_name(impl_->grad_fn->op) : "";
}

// ---- in-place updates (never recorded)

Tensor& Tensor::copy_(const Tensor& src) {
  GANLITE_CHECK(!(grad_enabled() && requires_grad()), "copy_: in-place write to a tensor that ",
                "requires grad; wrap it in NoGradGuard");
  if (src.device() != device()) {
    // Across devices: stage a dense copy of src (its own dtype and shape) on this device.
    Tensor dense = src.detach().contiguous();
    Tensor staged = empty(dense.shape(), dense.dtype(), device());
    size_t bytes = static_cast<size_t>(dense.numel()) * dtype_size(dense.dtype());
#if GANLITE_WITH_CUDA
    void* dst = static_cast<char*>(staged.impl()->storage->data);
    const void* from = static_cast<const char*>(dense.impl()->storage->data) +
                       dense.offset() * static_cast<int64_t>(dtype_size(dense.dtype()));
    if (device() == Device::cuda)
      cuda::copy_to_device(dst, from, bytes);
    else
      cuda::copy_to_host(dst, from, bytes);
#else
    (void)bytes;
    detail::no_cuda_backend(__FILE__, __LINE__);
#endif
    return copy_(staged);
  }
  Tensor s = src.expand(shape());
  cpu::Layout<2> l;
  l.ndim = static_cast<int>(dim());
  GANLITE_CHECK(l.ndim <= cpu::kMaxDims, "copy_: rank ", dim(), " exceeds ", cpu::kMaxDims);
  for (int d = 0; d < l.ndim; ++d) {
    l.shape[d] = shape()[d];
    l.stride[0][d] = strides()[d];
    l.stride[1][d] = s.strides()[d];
  }
  dispatch_all(dtype(), [&](auto td) {
    using D = decltype(td);
    dispatch_all(s.dtype(), [&](auto ts) {
      using S = decltype(ts);
      GANLITE_KERNEL(device(), copy_strided<D, S>(data<D>(), s.data<S>(), l));
    });
  });
  return *this;
}

Tensor& Tensor::fill_(double value) {
  return copy_(scalar(value, dtype(), device()));
}

// ---- factories

Tensor empty(const Shape& shape, DType dtype, Device device) {
  for (int64_t d : shape)
    GANLITE_CHECK(d >= 0, "empty: negative dimension in shape ", shape_str(shape));
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = allocate_storage(shape_numel(shape) * dtype_size(dtype), device);
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  impl->dtype = dtype;
  return Tensor(impl);
}

Tensor full(const Shape& shape, double value, DType dtype, Device device) {
  Tensor t = empty(shape, dtype, device);
  dispatch_all(dtype, [&](auto tag) {
    using T = decltype(tag);
    if (device == Device::cpu)
      std::fill_n(t.data<T>(), t.numel(), static_cast<T>(value));
    else
#if GANLITE_WITH_CUDA
      cuda::fill<T>(t.data<T>(), t.numel(), value);
#else
      detail::no_cuda_backend(__FILE__, __LINE__);
#endif
  });
  return t;
}

Tensor zeros(const Shape& shape, DType dtype, Device device) {
  return full(shape, 0.0, dtype, device);
}
Tensor ones(const Shape& shape, DType dtype, Device device) {
  return full(shape, 1.0, dtype, device);
}
Tensor scalar(double value, DType dtype, Device device) {
  return full({}, value, dtype, device);
}
Tensor empty_like(const Tensor& x) {
  return empty(x.shape(), x.dtype(), x.device());
}
Tensor zeros_like(const Tensor& x) {
  return zeros(x.shape(), x.dtype(), x.device());
}

Tensor ones_like(const Tensor& x) {
  return ones(x.shape(), x.dtype(), x.device());
}

Tensor arange(double start, double end, double step, DType dtype) {
  GANLITE_CHECK(step != 0, "arange: step must be non-zero");
  int64_t n = std::max<int64_t>(0, static_cast<int64_t>(std::ceil((end - start) / step)));
  Tensor t = empty({n}, dtype);
  dispatch_all(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(start + i * step);
  });
  return t;
}

template <class T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape) {
  GANLITE_CHECK(static_cast<int64_t>(values.size()) == shape_numel(shape),
                "from_vector: ", values.size(), " values do not fill shape ", shape_str(shape));
  Tensor t = empty(shape, dtype_of<T>());
  std::copy(values.begin(), values.end(), t.data<T>());
  return t;
}
template Tensor from_vector<float>(const std::vector<float>&, const Shape&);
template Tensor from_vector<double>(const std::vector<double>&, const Shape&);
template Tensor from_vector<int64_t>(const std::vector<int64_t>&, const Shape&);

}  // namespace ganlite
