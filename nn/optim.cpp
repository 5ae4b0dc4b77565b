// Adam and SGD: one fused pass per parameter over param, grad and state.
#include "nn/optim.h"

#include <cmath>

#include "engine/autograd.h"

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

Adam::Adam(std::vector<Tensor> params, double lr, double beta1, double beta2, double eps)
    : Optimizer(std::move(params), lr, "Adam"), beta1_(beta1), beta2_(beta2), eps_(eps) {
  for (const Tensor& p : params_) {
    m_.push_back(zeros_like(p));
    v_.push_back(zeros_like(p));
  }
}

void Adam::step() {
  NoGradGuard ng;
  ++t_;
  double c1 = 1.0 - std::pow(beta1_, static_cast<double>(t_));
  double c2 = 1.0 - std::pow(beta2_, static_cast<double>(t_));
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor g = params_[i].grad();
    if (!g.defined()) continue;
    g = g.contiguous();
    dispatch_float(params_[i].dtype(), "Adam", [&](auto tag) {
      using T = decltype(tag);
      T* p = params_[i].data<T>();
      T* m = m_[i].data<T>();
      T* v = v_[i].data<T>();
      const T* gp = g.data<T>();
      const T b1 = T(beta1_), b2 = T(beta2_), step = T(lr_ / c1), rc2 = T(1.0 / std::sqrt(c2));
      const T e = T(eps_);
      int64_t n = params_[i].numel();
#pragma omp parallel for schedule(static) if (n > (1 << 16))
      for (int64_t j = 0; j < n; ++j) {
        m[j] = b1 * m[j] + (T(1) - b1) * gp[j];
        v[j] = b2 * v[j] + (T(1) - b2) * gp[j] * gp[j];
        p[j] -= step * m[j] / (std::sqrt(v[j]) * rc2 + e);
      }
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
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor g = params_[i].grad();
    if (!g.defined()) continue;
    g = g.contiguous();
    dispatch_float(params_[i].dtype(), "SGD", [&](auto tag) {
      using T = decltype(tag);
      T* p = params_[i].data<T>();
      T* vel = velocity_[i].data<T>();
      const T* gp = g.data<T>();
      const T mu = T(momentum_), lr = T(lr_);
      for (int64_t j = 0; j < params_[i].numel(); ++j) {
        vel[j] = mu * vel[j] + gp[j];
        p[j] -= lr * vel[j];
      }
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
