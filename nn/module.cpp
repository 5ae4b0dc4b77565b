// Module bookkeeping: registration, dotted names, state_dict and its strict loading, hooks.
#include "nn/module.h"

#include <algorithm>

#include "engine/autograd.h"

namespace ganlite::nn {
namespace {

std::string join(const std::string& prefix, const std::string& name) {
  if (prefix.empty()) return name;
  return name.empty() ? prefix : prefix + "." + name;
}

void check_name(const std::string& name, const char* what) {
  GANLITE_CHECK(!name.empty() && name.find('.') == std::string::npos, "Module: ", what, " name '",
                name, "' must be non-empty and contain no '.'");
}

// Re-points t's impl at convert(t) (a dense copy on another device or in another dtype); every
// handle sharing the impl follows.
template <class F>
void convert_in_place(const Tensor& t, F convert) {
  TensorImpl& impl = *t.impl();
  Tensor moved = convert(t.detach());
  impl.storage = moved.impl()->storage;
  impl.shape = moved.shape();
  impl.strides = moved.strides();
  impl.offset = moved.offset();
  impl.dtype = moved.dtype();
  if (impl.grad.defined()) impl.grad = convert(impl.grad.detach());
}

void move_in_place(const Tensor& t, Device device) {
  if (t.defined() && t.device() != device)
    convert_in_place(t, [device](const Tensor& x) { return x.to(device); });
}

void cast_in_place(const Tensor& t, DType dtype) {
  if (t.defined() && is_float(t.dtype()) && t.dtype() != dtype)
    convert_in_place(t, [dtype](const Tensor& x) { return x.to(dtype); });
}

}  // namespace

Tensor Module::operator()(const Tensor& x) {
  Tensor y = forward(x);
  run_forward_hooks(x, y);
  return y;
}

void Module::run_forward_hooks(const Tensor& in, const Tensor& out) const {
  for (const auto& [id, h] : hooks_) h(in, out);
}

Tensor Module::register_parameter(const std::string& name, Tensor t) {
  check_name(name, "parameter");
  t.requires_grad_(true);
  params_.emplace_back(name, t);
  return t;
}

Tensor Module::register_buffer(const std::string& name, Tensor t) {
  check_name(name, "buffer");
  buffers_.emplace_back(name, t);
  return t;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> m) {
  check_name(name, "child module");
  GANLITE_CHECK(m, "Module: child ", name, " is null");
  children_.emplace_back(name, std::move(m));
}

void Module::collect(const std::string& prefix, bool params,
                     std::vector<std::pair<std::string, Tensor>>& out) const {
  for (const auto& [n, t] : params ? params_ : buffers_) out.emplace_back(join(prefix, n), t);
  for (const auto& [n, c] : children_) c->collect(join(prefix, n), params, out);
}

std::vector<std::pair<std::string, Tensor>> Module::named_parameters() const {
  std::vector<std::pair<std::string, Tensor>> out;
  collect("", true, out);
  return out;
}

std::vector<std::pair<std::string, Tensor>> Module::named_buffers() const {
  std::vector<std::pair<std::string, Tensor>> out;
  collect("", false, out);
  return out;
}

std::vector<std::pair<std::string, Module*>> Module::named_modules() {
  std::vector<std::pair<std::string, Module*>> out{{"", this}};
  for (const auto& [n, c] : children_)
    for (auto& [sub, m] : c->named_modules()) out.emplace_back(join(n, sub), m);
  return out;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [n, t] : named_parameters()) out.push_back(t);
  return out;
}

int64_t Module::num_parameters() const {
  int64_t n = 0;
  for (auto& [name, t] : named_parameters()) n += t.numel();
  return n;
}

Module* Module::submodule(const std::string& dotted) {
  std::string names;
  for (auto& [n, m] : named_modules()) {
    if (n == dotted) return m;
    if (!n.empty()) names += (names.empty() ? "" : ", ") + n;
  }
  GANLITE_FAIL("Module: no submodule '", dotted, "' in ", type_name(), " (has: ", names, ")");
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [n, c] : children_) c->train(on);
}

void Module::requires_grad_(bool on) {
  for (auto& [n, t] : named_parameters()) t.requires_grad_(on);
}

void Module::zero_grad() {
  for (auto& [n, t] : named_parameters()) t.zero_grad();
}

Module& Module::to(Device device) {
  NoGradGuard ng;
  for (auto& [n, t] : named_parameters()) move_in_place(t, device);
  for (auto& [n, t] : named_buffers()) move_in_place(t, device);
  return *this;
}

Module& Module::to(DType dtype) {
  GANLITE_CHECK(is_float(dtype), "Module::to: dtype must be f32 or f64, got ", dtype_name(dtype));
  NoGradGuard ng;
  for (auto& [n, t] : named_parameters()) cast_in_place(t, dtype);
  for (auto& [n, t] : named_buffers()) cast_in_place(t, dtype);
  return *this;
}

TensorMap Module::state_dict() const {
  TensorMap out;
  for (auto& [n, t] : named_parameters()) out[n] = t;
  for (auto& [n, t] : named_buffers()) out[n] = t;
  return out;
}

void Module::load_state_dict(const TensorMap& state, bool strict) {
  TensorMap mine = state_dict();
  std::string missing, unexpected, misshaped, mistyped;
  auto add = [](std::string& list, const std::string& s) {
    list += (list.empty() ? "" : ", ") + s;
  };
  for (auto& [n, t] : mine) {
    auto it = state.find(n);
    if (it == state.end()) {
      add(missing, n);
    } else if (it->second.shape() != t.shape()) {
      add(misshaped,
          n + " (checkpoint " + it->second.shape_str() + ", model " + t.shape_str() + ")");
    } else if (is_float(it->second.dtype()) != is_float(t.dtype())) {
      // Integers where weights are expected (or the reverse) would be converted silently.
      add(mistyped, n + " (checkpoint " + dtype_name(it->second.dtype()) + ", model " +
                        dtype_name(t.dtype()) + ")");
    }
  }
  for (auto& [n, t] : state)
    if (!mine.count(n)) add(unexpected, n);
  std::string problems;
  if (strict && !missing.empty()) problems += "; missing keys: " + missing;
  if (strict && !unexpected.empty()) problems += "; unexpected keys: " + unexpected;
  if (!misshaped.empty()) problems += "; mis-shaped keys: " + misshaped;
  if (!mistyped.empty()) problems += "; integer and floating types mixed: " + mistyped;
  GANLITE_CHECK(problems.empty(), "load_state_dict into ", type_name(), problems);
  NoGradGuard ng;
  for (auto& [n, t] : mine) {
    auto it = state.find(n);
    if (it != state.end()) t.copy_(it->second);
  }
}

int Module::register_forward_hook(ForwardHook hook) {
  hooks_.emplace_back(next_hook_id_, std::move(hook));
  return next_hook_id_++;
}

void Module::remove_forward_hook(int id) {
  hooks_.erase(
      std::remove_if(hooks_.begin(), hooks_.end(), [id](const auto& h) { return h.first == id; }),
      hooks_.end());
}

}  // namespace ganlite::nn
