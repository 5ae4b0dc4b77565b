// Optimizers over a list of parameter tensors (leaves). Updates run in place under NoGradGuard.
// Adam: Kingma & Ba, "Adam: A Method for Stochastic Optimization", Algorithm 1 (bias-corrected).
#pragma once
#include <vector>

#include "engine/tensor.h"

namespace ganlite::nn {

class Adam {
 public:
  explicit Adam(std::vector<Tensor> params, double lr = 2e-4, double beta1 = 0.5,
                double beta2 = 0.999, double eps = 1e-8);
  void step();       // parameters without a gradient are skipped
  void zero_grad();  // drops every parameter's gradient
  int64_t steps() const { return t_; }
  double lr() const { return lr_; }
  void set_lr(double lr) { lr_ = lr; }

 private:
  std::vector<Tensor> params_, m_, v_;
  double lr_, beta1_, beta2_, eps_;
  int64_t t_ = 0;
};

class SGD {
 public:
  explicit SGD(std::vector<Tensor> params, double lr, double momentum = 0.0);
  void step();
  void zero_grad();
  double lr() const { return lr_; }
  void set_lr(double lr) { lr_ = lr; }

 private:
  std::vector<Tensor> params_, velocity_;
  double lr_, momentum_;
};

}  // namespace ganlite::nn
