// DMAD's mask schedule and sparsity losses (techniques.md sec. 3.2-3.3; the mask itself is
// nn::soft_mask). Masks are per-channel weights w (C); a channel is in the band when -b < w < b,
// kept when w >= b (mask 1), pruned when w <= -b (mask 0). Band membership is read from the values
// and carries no gradient.
#pragma once
#include <vector>

#include "engine/tensor.h"

namespace ganlite::compress {

// The bound at `step` of a run of `total_steps`: b = 1 - (k / updates)^(1/3) with k = the number
// of the `updates` evenly spaced updates over the first 75 % of the run that have happened
// (k = floor(updates * step / (0.75 total))), 0 once all have.
double dmad_bound(int64_t step, int64_t total_steps, int64_t updates = 150);

// "relu" type: sum over in-band channels of (w_c + b), pushing them toward -b (mask 0).
Tensor relu_sparsity(const Tensor& w, double b);
// "bound" type: || b - |w_B| ||_2 over the in-band channels B, pushing them toward +-b (binary)
// without pruning pressure.
Tensor bound_sparsity(const Tensor& w, double b);

// Adaptive cross-block group sparsity: the members (same channel count) share the residual
// stream's channels. Per channel c: 0 when a member keeps it (w_c >= b) or none has it in the band
// (all pruned), else lambda * members / (members with c in the band). Recomputed at each bound
// update.
std::vector<double> group_coefficients(const std::vector<Tensor>& members, double b, double lambda);
// sum over members and their in-band channels of (w_c + b) * coef_c.
Tensor group_sparsity(const std::vector<Tensor>& members, const std::vector<double>& coef,
                      double b);

}  // namespace ganlite::compress
