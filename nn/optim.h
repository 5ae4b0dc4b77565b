// Optimizers over a list of parameter tensors (leaves). Updates run in place under NoGradGuard.
// Adam: Kingma & Ba, "Adam: A Method for Stochastic Optimization", Algorithm 1 (bias-corrected).
// The updates are fused kernels (kernels/{cpu,cuda}/optim) on the parameters' device; state is
// made on that device at construction, so build an optimizer after Module::to.
#pragma once
#include <vector>

#include "engine/safetensors.h"
#include "engine/tensor.h"

namespace ganlite::nn {

// What a trainer needs of any optimizer: step, zero_grad, the learning rate, and its state as
// named tensors so that a checkpoint resumes it exactly.
class Optimizer {
 public:
  virtual ~Optimizer() = default;
  virtual void step() = 0;  // parameters without a gradient are skipped
  void zero_grad();         // drops every parameter's gradient
  double lr() const { return lr_; }
  void set_lr(double lr) { lr_ = lr; }
  const std::vector<Tensor>& params() const { return params_; }
  // Moments/velocities as "<kind>.<i>" (i = parameter index) plus a one-element "step" (f64).
  virtual TensorMap state_dict() const = 0;
  // Copies a state_dict() of an optimizer over the same parameter shapes back in place; missing
  // or mis-shaped entries are errors naming the key.
  virtual void load_state_dict(const TensorMap& state) = 0;

 protected:
  Optimizer(std::vector<Tensor> params, double lr, const char* who);
  std::vector<Tensor> params_;
  double lr_;
};

// weight_decay is PyTorch Adam's L2 term: weight_decay * param is added to the gradient.
class Adam : public Optimizer {
 public:
  explicit Adam(std::vector<Tensor> params, double lr = 2e-4, double beta1 = 0.5,
                double beta2 = 0.999, double eps = 1e-8, double weight_decay = 0);
  void step() override;
  int64_t steps() const { return t_; }
  TensorMap state_dict() const override;
  void load_state_dict(const TensorMap& state) override;

 private:
  std::vector<Tensor> m_, v_;
  double beta1_, beta2_, eps_, weight_decay_;
  int64_t t_ = 0;
};

class SGD : public Optimizer {
 public:
  explicit SGD(std::vector<Tensor> params, double lr, double momentum = 0.0);
  void step() override;
  TensorMap state_dict() const override;
  void load_state_dict(const TensorMap& state) override;

 private:
  std::vector<Tensor> velocity_;
  double momentum_;
};

}  // namespace ganlite::nn
