// Adam and SGD: state, device checks, and the fused update kernels (kernels/{cpu,cuda}/optim).
#include "nn/optim.h"

#include "engine/autograd.h"
#include "engine/backend.h"
#include "kernels/cpu/optim.h"
#if GANLITE_WITH_CUDA
#include "kernels/cuda/optim.h"
#endif

namespace ganlite::nn {
namespace {

void check_params(const std::vector<Tensor>& params, const char* who) {
  for (size_t i = 0; i < params.size(); ++i)
    GANLITE_CHECK(params[i].defined() && params[i].is_leaf() && params[i].is_contiguous() &&
                      is_float(params[i].dtype()),
                  who, ": parameter ", i, " must be a contiguous floating leaf tensor");
}

TensorMap moments(const char* kind, const std::vector<Tensor>& ts) {
  TensorMap out;
  for (size_t i = 0; i < ts.size(); ++i) out[std::string(kind) + "." + std::to_string(i)] = ts[i];
  return out;
}

// The gradient of parameter i, contiguous, after checking that the state lives on the
// parameter's device (an optimizer built before Module::to keeps its state where it was made).
Tensor step_grad(const Tensor& p, const Tensor& state, size_t i, const char* who) {
  Tensor g = p.grad();
  if (!g.defined()) return g;
  GANLITE_CHECK(g.device() == p.device() && state.device() == p.device(), who, ": parameter ", i,
                " ", p.shape_str(), " is on ", device_name(p.device()), ", its gradient on ",
                device_name(g.device()), " and its state on ", device_name(state.device()),
                " (build the optimizer after moving the model)");
  return g.contiguous();
}

void load_moments(const TensorMap& state, const char* kind, std::vector<Tensor>& ts) {
  for (size_t i = 0; i < ts.size(); ++i) {
    std::string key = std::string(kind) + "." + std::to_string(i);
    auto it = state.find(key);
    GANLITE_CHECK(it != state.end(), "optimizer state: missing '", key, "'");
    GANLITE_CHECK(it->second.shape() == ts[i].shape() && it->second.dtype() == ts[i].dtype(),
                  "optimizer state: '", key, "' has shape ", shape_str(it->second.shape()),
                  ", expected ", shape_str(ts[i].shape()));
    NoGradGuard ng;
    ts[i].copy_(it->second);
  }
}

}  // namespace

Optimizer::Optimizer(std::vector<Tensor> params, double lr, const char* who)
    : params_(std::move(params)), lr_(lr) {
  check_params(params_, who);
}

void Optimizer::zero_grad() {
  for (Tensor& p : params_) p.zero_grad();
}

Adam::Adam(std::vector<Tensor> params, double lr, double beta1, double beta2, double eps,
           double weight_decay)
    : Optimizer(std::move(params), lr, "Adam"),
      beta1_(beta1),
      beta2_(beta2),
      eps_(eps),
      weight_decay_(weight_decay) {
  for (const Tensor& p : params_) {
    m_.push_back(zeros_like(p));
    v_.push_back(zeros_like(p));
  }
}

void Adam::step() {
  NoGradGuard ng;
  ++t_;
  cpu::AdamParams a;
  a.lr = lr_, a.beta1 = beta1_, a.beta2 = beta2_, a.eps = eps_, a.weight_decay = weight_decay_;
  a.step = t_;
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor g = step_grad(params_[i], m_[i], i, "Adam");
    if (!g.defined()) continue;
    Tensor& p = params_[i];
    dispatch_float(p.dtype(), "Adam", [&](auto tag) {
      using T = decltype(tag);
      GANLITE_KERNEL(p.device(), adam<T>(a, p.data<T>(), g.data<T>(), m_[i].data<T>(),
                                         v_[i].data<T>(), p.numel()));
    });
  }
}

TensorMap Adam::state_dict() const {
  TensorMap out = moments("exp_avg", m_);
  for (auto& [k, t] : moments("exp_avg_sq", v_)) out[k] = t;
  out["step"] = full({1}, static_cast<double>(t_), DType::f64);
  return out;
}

void Adam::load_state_dict(const TensorMap& state) {
  load_moments(state, "exp_avg", m_);
  load_moments(state, "exp_avg_sq", v_);
  auto it = state.find("step");
  GANLITE_CHECK(it != state.end() && it->second.numel() == 1, "optimizer state: missing 'step'");
  t_ = static_cast<int64_t>(it->second.item());
}

SGD::SGD(std::vector<Tensor> params, double lr, double momentum)
    : Optimizer(std::move(params), lr, "SGD"), momentum_(momentum) {
  for (const Tensor& p : params_) velocity_.push_back(zeros_like(p));
}

void SGD::step() {
  NoGradGuard ng;
  const cpu::SgdParams sp{lr_, momentum_};
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor g = step_grad(params_[i], velocity_[i], i, "SGD");
    if (!g.defined()) continue;
    Tensor& p = params_[i];
    dispatch_float(p.dtype(), "SGD", [&](auto tag) {
      using T = decltype(tag);
      GANLITE_KERNEL(p.device(),
                     sgd<T>(sp, p.data<T>(), g.data<T>(), velocity_[i].data<T>(), p.numel()));
    });
  }
}

TensorMap SGD::state_dict() const {
  return moments("momentum_buffer", velocity_);
}

void SGD::load_state_dict(const TensorMap& state) {
  load_moments(state, "momentum_buffer", velocity_);
}

}  // namespace ganlite::nn
