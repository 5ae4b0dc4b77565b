// EMA of parameters: one fused in-place pass per parameter, in the parameter's own precision.
#include "nn/ema.h"

#include "engine/autograd.h"
#include "engine/backend.h"
#include "kernels/cpu/optim.h"
#if GANLITE_WITH_CUDA
#include "kernels/cuda/optim.h"
#endif

namespace ganlite::nn {

Ema::Ema(Module& model, double decay) : decay_(decay) {
  GANLITE_CHECK(decay >= 0 && decay <= 1, "Ema: decay must be in [0, 1], got ", decay);
  NoGradGuard ng;
  // clone() of a detached handle: a contiguous copy that shares nothing and records no history.
  for (auto& [n, p] : model.named_parameters()) params_.push_back({n, p, p.detach().clone()});
  for (auto& [n, b] : model.named_buffers()) buffers_.push_back({n, b, b.detach().clone()});
}

Ema::Ema(Module& model, Module& average, double decay) : decay_(decay) {
  GANLITE_CHECK(decay >= 0 && decay <= 1, "Ema: decay must be in [0, 1], got ", decay);
  auto pair_up = [&](const std::vector<std::pair<std::string, Tensor>>& live,
                     const std::vector<std::pair<std::string, Tensor>>& avg, const char* what,
                     std::vector<Entry>& out) {
    GANLITE_CHECK(live.size() == avg.size(), "Ema: the average ", average.type_name(), " has ",
                  avg.size(), " ", what, "s, the model ", live.size());
    for (size_t i = 0; i < live.size(); ++i) {
      GANLITE_CHECK(
          live[i].first == avg[i].first && live[i].second.shape() == avg[i].second.shape(),
          "Ema: ", what, " ", i, " is ", live[i].first, " ", live[i].second.shape_str(),
          " in the model, ", avg[i].first, " ", avg[i].second.shape_str(), " in the average");
      out.push_back({live[i].first, live[i].second, avg[i].second.detach()});
    }
  };
  pair_up(model.named_parameters(), average.named_parameters(), "parameter", params_);
  pair_up(model.named_buffers(), average.named_buffers(), "buffer", buffers_);
  update(0.0);
  updates_ = 0;
}

void Ema::update(double decay) {
  GANLITE_CHECK(decay >= 0 && decay <= 1, "Ema::update: decay must be in [0, 1], got ", decay);
  NoGradGuard ng;
  for (Entry& e : params_) {
    GANLITE_CHECK(e.live.shape() == e.shadow.shape(), "Ema::update: parameter ", e.name,
                  " changed shape from ", e.shadow.shape_str(), " to ", e.live.shape_str());
    GANLITE_CHECK(e.live.device() == e.shadow.device(), "Ema::update: parameter ", e.name,
                  " is on ", device_name(e.live.device()), ", its average on ",
                  device_name(e.shadow.device()), " (build the Ema after moving the model)");
    Tensor p = e.live.detach().contiguous();
    dispatch_float(e.shadow.dtype(), "Ema::update", [&](auto tag) {
      using T = decltype(tag);
      GANLITE_KERNEL(p.device(), ema<T>(decay, e.shadow.data<T>(), p.data<T>(), p.numel()));
    });
  }
  for (Entry& e : buffers_) {
    GANLITE_CHECK(e.live.shape() == e.shadow.shape(), "Ema::update: buffer ", e.name,
                  " changed shape from ", e.shadow.shape_str(), " to ", e.live.shape_str());
    e.shadow.copy_(e.live);
  }
  ++updates_;
}

void Ema::copy_to(Module& target) const {
  // Check everything before writing anything, so a mismatch leaves target untouched.
  auto match = [&](const std::vector<Entry>& mine,
                   const std::vector<std::pair<std::string, Tensor>>& theirs, const char* what) {
    GANLITE_CHECK(mine.size() == theirs.size(), "Ema::copy_to: target ", target.type_name(),
                  " has ", theirs.size(), " ", what, "s, the averaged model ", mine.size());
    for (size_t i = 0; i < mine.size(); ++i) {
      GANLITE_CHECK(mine[i].name == theirs[i].first, "Ema::copy_to: ", what, " ", i, " is named ",
                    theirs[i].first, " in the target, ", mine[i].name, " in the averaged model");
      GANLITE_CHECK(mine[i].shadow.shape() == theirs[i].second.shape(), "Ema::copy_to: ", what, " ",
                    mine[i].name, " has shape ", theirs[i].second.shape_str(), " in the target, ",
                    mine[i].shadow.shape_str(), " in the averaged model");
    }
  };
  auto params = target.named_parameters();
  auto buffers = target.named_buffers();
  match(params_, params, "parameter");
  match(buffers_, buffers, "buffer");
  NoGradGuard ng;
  for (size_t i = 0; i < params.size(); ++i) params[i].second.copy_(params_[i].shadow);
  for (size_t i = 0; i < buffers.size(); ++i) buffers[i].second.copy_(buffers_[i].shadow);
}

TensorMap Ema::state_dict() const {
  TensorMap out;
  for (const Entry& e : params_) out[e.name] = e.shadow;
  for (const Entry& e : buffers_) out[e.name] = e.shadow;
  return out;
}

}  // namespace ganlite::nn
