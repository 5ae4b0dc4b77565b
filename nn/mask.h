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
#include "engine/tensor.h"

namespace ganlite::nn {

Tensor soft_mask(const Tensor& w, double bound);

}  // namespace ganlite::nn
