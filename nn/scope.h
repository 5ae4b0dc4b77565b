// Scopes that change a network's state for a while and put back exactly what was there, also when
// the scope ends by an exception: a frozen teacher stays frozen and in eval mode after a step
// froze "every D" or switched "every G" to eval for its sample grid.
#pragma once
#include <utility>
#include <vector>

#include "engine/tensor.h"
#include "nn/module.h"

namespace ganlite::nn {

// requires_grad off on each tensor (a network's parameters: its weights get no gradient while
// gradients still flow through it to its input); each one's previous flag comes back at the end.
class FreezeScope {
 public:
  explicit FreezeScope(std::vector<Tensor> params);
  explicit FreezeScope(const Module& net) : FreezeScope(net.parameters()) {}
  ~FreezeScope();
  FreezeScope(const FreezeScope&) = delete;
  FreezeScope& operator=(const FreezeScope&) = delete;

 private:
  std::vector<Tensor> params_;
  std::vector<bool> was_;
};

// Eval mode on a network and all its submodules; each module's previous mode comes back at the
// end (a frozen submodule kept in eval inside a training network stays in eval).
class EvalScope {
 public:
  explicit EvalScope(Module& net);
  ~EvalScope();
  EvalScope(const EvalScope&) = delete;
  EvalScope& operator=(const EvalScope&) = delete;

 private:
  std::vector<std::pair<Module*, bool>> was_;
};

}  // namespace ganlite::nn
