// Module: named parameters, buffers and children with PyTorch's dotted names ("model.1.weight"),
// train/eval, state_dict/load_state_dict, and forward hooks (nn/capture.h records intermediate
// outputs through them, for distillation). Parameters are Tensor handles: load_state_dict copies
// into them in place.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/safetensors.h"
#include "engine/tensor.h"

namespace ganlite::nn {

using ForwardHook = std::function<void(const Tensor& input, const Tensor& output)>;

class Module {
 public:
  virtual ~Module() = default;
  Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // Runs forward() then the forward hooks; containers call children through this.
  Tensor operator()(const Tensor& x);
  virtual Tensor forward(const Tensor& x) = 0;
  // The class name as PyTorch prints it (Conv2d, Sequential, ...), for profiles and errors.
  virtual std::string type_name() const = 0;
  // Multiply-adds of one call that produced `out` from `in`, for modules nn::profile's built-in
  // rules do not know (StyleGAN2's modulated convolutions); -1 means "use the built-in rules".
  // A module with children that returns >= 0 is profiled as a layer of its own, beside them.
  virtual double macs(const Tensor& in, const Tensor& out) const {
    (void)in, (void)out;
    return -1;
  }
  // The same call in profile's `true` convention, where it differs from torchprofile's (a
  // transposed convolution counted on its input grid); by default equal to macs().
  virtual double macs_true(const Tensor& in, const Tensor& out) const { return macs(in, out); }

  // Dotted names, registration order, parameters before buffers, depth first.
  std::vector<std::pair<std::string, Tensor>> named_parameters() const;
  std::vector<std::pair<std::string, Tensor>> named_buffers() const;
  std::vector<std::pair<std::string, Module*>> named_modules();  // "" is this module
  std::vector<Tensor> parameters() const;
  int64_t num_parameters() const;
  Module* submodule(const std::string& dotted);  // error listing the names when missing

  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  void requires_grad_(bool on);  // freeze or unfreeze every parameter
  void zero_grad();

  // Moves every parameter and buffer (and accumulated gradient) to `device` in place: the
  // handles layers keep, and any copy of them (spectral norm's, an Ema's live entries), point at
  // the moved storage afterwards. Parameters stay leaves with their requires_grad. Optimizer and
  // Ema state is not moved: build those after moving the model.
  Module& to(Device device);
  // Casts floating parameters and buffers in place (integer buffers keep their dtype): f64
  // copies of a model are the reference the f32 CPU and CUDA results are measured against.
  Module& to(DType dtype);
  Module& cuda() { return to(Device::cuda); }
  Module& cpu() { return to(Device::cpu); }

  // Parameters and buffers, on the module's device (the handles themselves, not copies).
  TensorMap state_dict() const;
  // Copies values in place, from any device, converting between floating types (f64 or a
  // half-precision file's f32 into f32 weights). strict: every key must match; errors list
  // missing, unexpected, mis-shaped keys and keys whose integer/floating type differs together.
  // Non-strict ignores missing and unexpected, never the others.
  void load_state_dict(const TensorMap& state, bool strict = true);

  // Returns an id for remove_forward_hook.
  int register_forward_hook(ForwardHook hook);
  void remove_forward_hook(int id);
  bool has_children() const { return !children_.empty(); }

 protected:
  // For modules with a several-argument forward: runs the forward hooks as operator() would, so
  // profiling and feature capture see the call.
  void run_forward_hooks(const Tensor& in, const Tensor& out) const;
  // Marks t requires_grad and returns the handle the layer keeps.
  Tensor register_parameter(const std::string& name, Tensor t);
  Tensor register_buffer(const std::string& name, Tensor t);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> m) {
    add_child(name, m);
    return m;
  }

 private:
  void add_child(const std::string& name, std::shared_ptr<Module> m);
  void collect(const std::string& prefix, bool params,
               std::vector<std::pair<std::string, Tensor>>& out) const;

  std::vector<std::pair<std::string, Tensor>> params_, buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  std::vector<std::pair<int, ForwardHook>> hooks_;
  int next_hook_id_ = 0;
  bool training_ = true;
};

using ModulePtr = std::shared_ptr<Module>;

}  // namespace ganlite::nn
