#include "nn/mask.h"

#include <vector>

#include "engine/autograd.h"
#include "engine/error.h"
#include "engine/ops.h"
#include "nn/init.h"
#include "nn/layers.h"

namespace ganlite::nn {

Tensor soft_mask(const Tensor& w, double bound) {
  GANLITE_CHECK(bound >= 0, "soft_mask: the bound must be >= 0, got ", bound);
  if (bound == 0) {  // the hard step 1[w > 0], from the values (a mask has one per channel)
    std::vector<double> v = w.detach().to(DType::f64).cpu().to_vector<double>();
    for (double& x : v) x = x > 0 ? 1.0 : 0.0;
    return from_vector(v, w.shape()).to(w.dtype()).to(w.device());
  }
  const Tensor u = clamp(w / bound, -1.0, 1.0);
  return u - u * abs(u) * 0.5 + 0.5;
}

MaskedNormAct::MaskedNormAct(int64_t c, MaskedNorm::Norm norm, bool affine, MaskedNorm::Act act,
                             double slope, double eps, double momentum) {
  options.norm = norm;
  options.act = act;
  options.slope = slope;
  options.eps = eps;
  options.momentum = momentum;
  if (affine) {
    weight = register_parameter("weight", ones({c}));
    bias = register_parameter("bias", zeros({c}));
  }
  if (norm == MaskedNorm::Norm::batch) {
    running_mean = register_buffer("running_mean", zeros({c}));
    running_var = register_buffer("running_var", ones({c}));
    num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, DType::i64));
  }
  mask = register_parameter("mask", normal_(zeros({c}), 0.0, 0.2));
}

Tensor MaskedNormAct::forward(const Tensor& x) {
  GANLITE_CHECK(x.dim() == 4, "MaskedNormAct: expected input of rank 4, got shape ", x.shape_str());
  MaskedNorm o = options;
  o.training = is_training();
  if (o.training && num_batches_tracked.defined()) count_batch(num_batches_tracked);
  return norm_mask_act(x, weight, bias, running_mean, running_var, soft_mask(mask, bound), o);
}

std::vector<std::pair<std::string, MaskedNormAct*>> mask_layers(Module& net) {
  std::vector<std::pair<std::string, MaskedNormAct*>> out;
  for (auto& [name, m] : net.named_modules())
    if (auto* l = dynamic_cast<MaskedNormAct*>(m)) out.emplace_back(name, l);
  return out;
}

void set_mask_bound(Module& net, double bound) {
  GANLITE_CHECK(bound >= 0, "set_mask_bound: the bound must be >= 0, got ", bound);
  for (auto& [name, l] : mask_layers(net)) l->bound = bound;
}

}  // namespace ganlite::nn
