#include "nn/scope.h"

namespace ganlite::nn {

FreezeScope::FreezeScope(std::vector<Tensor> params) : params_(std::move(params)) {
  was_.reserve(params_.size());
  for (Tensor& p : params_) {
    was_.push_back(p.requires_grad());
    p.requires_grad_(false);
  }
}

FreezeScope::~FreezeScope() {
  for (size_t i = 0; i < params_.size(); ++i) params_[i].requires_grad_(was_[i]);
}

EvalScope::EvalScope(Module& net) {
  for (auto& [name, m] : net.named_modules()) was_.emplace_back(m, m->is_training());
  net.eval();
}

EvalScope::~EvalScope() {
  // Module::train recurses into children; named_modules lists a parent before its children, so
  // each child's own mode is set after its parent's.
  for (auto& [m, on] : was_) m->train(on);
}

}  // namespace ganlite::nn
