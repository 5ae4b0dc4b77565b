// DMAD's differentiable channel mask (Li et al., "Learning Efficient GANs for Image Translation
// via Differentiable Masks and co-Attention Distillation", TMM 2022; techniques.md sec. 3): a
// per-channel weight w and a bound b > 0 give the mask
//   m(w) = 0                       w < -b
//          (1 + w/b)^2 / 2         -b <= w <= 0
//          1 - (1 - w/b)^2 / 2     0 < w <= b
//          1                       w > b
// continuous with its derivative (1 - |w|/b) / b inside the band and zero outside it (no
// straight-through gradient); b = 0 is the hard step 1[w > 0], without a gradient. With u =
// clamp(w/b, -1, 1), m = 1/2 + u - u|u|/2, which is how it is computed (engine ops, so the
// gradient is theirs and zero where the clamp saturates).
#pragma once
#include <string>
#include <vector>

#include "engine/ops.h"
#include "engine/tensor.h"
#include "nn/module.h"

namespace ganlite::nn {

Tensor soft_mask(const Tensor& w, double bound);

// DMAD's gate after a convolution: norm -> mask -> activation in one op (norm_mask_act). It stands
// where the plain network has its norm, with the norm's parameter and buffer names (BatchNorm2d's
// weight, bias, running_mean, running_var, num_batches_tracked; an affine-free InstanceNorm2d has
// none) plus the mask weight "mask" (drawn N(0, 0.2) from the default generator), so a plain
// network's state_dict loads into the masked one by name; the activation that followed the norm
// becomes an Identity in the masked network, which keeps every index. bound > 0: the soft mask
// m(w); 0: the hard step 1[w > 0].
class MaskedNormAct : public Module {
 public:
  MaskedNormAct(int64_t channels, MaskedNorm::Norm norm, bool affine, MaskedNorm::Act act,
                double slope = 0.2, double eps = 1e-5, double momentum = 0.1);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "MaskedNormAct"; }
  Tensor weight, bias, running_mean, running_var, num_batches_tracked, mask;
  MaskedNorm options;  // norm kind, activation, eps, momentum (training follows the module)
  double bound = 1.0;  // the band of the soft mask, set by the technique's schedule
};

// Every MaskedNormAct of net (net included), in named_modules() order, with its name.
std::vector<std::pair<std::string, MaskedNormAct*>> mask_layers(Module& net);
// Sets the bound of every mask layer of net.
void set_mask_bound(Module& net, double bound);

}  // namespace ganlite::nn
