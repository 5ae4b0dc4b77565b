// Tensor: a cheap handle over shared storage with shape, strides and offset, so reshape, permute,
// slice and expand are views that never copy. Autograd state lives on the impl (see autograd.h).
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/dtype.h"

namespace ganlite {

struct Node;
struct TensorImpl;
class Tensor;

using Hook = std::function<Tensor(const Tensor&)>;

struct Storage {
  void* data = nullptr;
  size_t bytes = 0;
  Device device = Device::cpu;
  std::function<void(void*)> deleter;
  ~Storage() {
    if (data && deleter) deleter(data);
  }
};

std::shared_ptr<Storage> allocate_storage(size_t bytes, Device device);

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  const Shape& strides() const;
  int64_t offset() const;
  int64_t dim() const { return static_cast<int64_t>(shape().size()); }
  int64_t size(int64_t d) const;
  int64_t stride(int64_t d) const;
  int64_t numel() const;
  DType dtype() const;
  Device device() const;
  bool is_contiguous() const;
  std::string shape_str() const { return ganlite::shape_str(shape()); }

  // Typed pointer to the first element (offset applied); the dtype must match T.
  template <class T>
  T* data() const;
  double item() const;  // one-element tensors only
  template <class T>
  std::vector<T> to_vector() const;  // logical (row-major) order
  std::string str(int64_t max_per_dim = 6) const;

  // Views (no copy) and copies; all differentiable.
  Tensor reshape(Shape shape) const;  // a view when the strides allow it, else a copy
  Tensor view(Shape shape) const;     // a view or an error
  Tensor permute(std::vector<int64_t> dims) const;
  Tensor transpose(int64_t a, int64_t b) const;
  Tensor slice(int64_t dim, int64_t start, int64_t length) const;  // torch.narrow
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const {
    return slice(dim, start, length);
  }
  Tensor expand(Shape shape) const;  // -1 keeps a size; size-1 dims get stride 0
  Tensor unsqueeze(int64_t dim) const;
  Tensor squeeze(int64_t dim) const;
  Tensor flatten(int64_t start = 0, int64_t end = -1) const;
  Tensor contiguous() const;
  Tensor clone() const;
  Tensor to(DType dtype) const;
  // A copy on `device` (the tensor itself when already there); differentiable, the gradient
  // goes back to this tensor's device.
  Tensor to(Device device) const;
  Tensor cuda() const { return to(Device::cuda); }
  Tensor cpu() const { return to(Device::cpu); }

  // Autograd.
  bool requires_grad() const;
  Tensor& requires_grad_(bool on = true);
  bool is_leaf() const;
  Tensor grad() const;
  void zero_grad();       // drops the accumulated gradient
  Tensor detach() const;  // same storage, no history
  // create_graph: see ganlite::backward (engine/autograd.h).
  void backward(Tensor grad = Tensor(), bool retain_graph = false, bool create_graph = false) const;
  // A hook maps the gradient arriving at this tensor to the one passed on (or accumulated).
  void register_hook(Hook hook);
  const char* grad_fn_name() const;

  // In-place, never recorded: for optimizers and running statistics.
  Tensor& copy_(const Tensor& src);
  Tensor& fill_(double value);

  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }

 private:
  std::shared_ptr<TensorImpl> impl_;
};

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape shape, strides;
  int64_t offset = 0;
  DType dtype = DType::f32;
  bool requires_grad = false;
  std::shared_ptr<Node> grad_fn;  // null for leaves
  Tensor grad;                    // leaves only
  std::vector<Hook> hooks;        // leaves only; a non-leaf's hooks live on its grad_fn
};

Shape contiguous_strides(const Shape& shape);
// Normalises a possibly negative dim against rank; `op` names the caller in the error.
int64_t wrap_dim(int64_t dim, int64_t rank, const char* op);

// Factories; `device` cuda needs the CUDA backend (cuda_available() in engine/backend.h).
Tensor empty(const Shape& shape, DType dtype = DType::f32, Device device = Device::cpu);
Tensor zeros(const Shape& shape, DType dtype = DType::f32, Device device = Device::cpu);
Tensor ones(const Shape& shape, DType dtype = DType::f32, Device device = Device::cpu);
Tensor full(const Shape& shape, double value, DType dtype = DType::f32,
            Device device = Device::cpu);
Tensor scalar(double value, DType dtype = DType::f32, Device device = Device::cpu);  // 0-dim
Tensor arange(double start, double end, double step = 1.0, DType dtype = DType::f32);
Tensor empty_like(const Tensor& x);  // contiguous, same dtype and device
Tensor zeros_like(const Tensor& x);
Tensor ones_like(const Tensor& x);
template <class T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape);

std::ostream& operator<<(std::ostream& os, const Tensor& t);

}  // namespace ganlite
