// Normalisation kernels shared by batch, instance and group norm (Ioffe & Szegedy 2015; Ulyanov
// et al. 2016; Wu & He 2018). The input is a contiguous (N, C, S) block; each statistic covers a
// group of C/groups adjacent channels, per sample (group/instance norm) or across the batch
// (batch norm, groups == C). Backward is the closed form derived in kernels/cpu/norm.cpp. An
// epilogue fuses what follows the norm in DMAD's masked block (conv -> norm -> mask -> act) into
// the same passes: y = act(mask[c] * norm(x)), the mask's gradient included.
#pragma once
#include <cstdint>

namespace ganlite::cpu {

struct NormShape {
  int64_t n = 1, c = 1, s = 1;  // batch, channels, spatial size (product of the trailing dims)
  int64_t groups = 1;           // statistics per sample (or in all) = groups
  bool per_sample = true;       // false: one statistic per group across the whole batch
  int64_t stats() const { return per_sample ? n * groups : groups; }
  int64_t group_count() const { return (per_sample ? 1 : n) * (c / groups) * s; }
  int64_t stat_of(int64_t ni, int64_t ci) const {
    return (per_sample ? ni * groups : 0) + ci / (c / groups);
  }
};

// The activation after the (masked) norm; none with no mask is the plain norm.
struct NormEpilogue {
  enum class Act { none, relu, leaky_relu };
  Act act = Act::none;
  double slope = 0.2;  // leaky_relu's slope below 0
};

// Mean and 1/sqrt(biased variance + eps) of each group; var (may be null) gets the biased
// variance itself, for running statistics. Two passes, accumulated in double.
template <class T>
void norm_stats(T* mean, T* rstd, T* var, const T* x, const NormShape& sh, double eps);

// y = act(mask[c] * u), u = (x - mean) * rstd * weight[c] + bias[c]; weight, bias and mask may be
// null (no affine, no mask).
template <class T>
void norm_forward(T* y, const T* x, const T* mean, const T* rstd, const T* weight, const T* bias,
                  const T* mask, const NormShape& sh, const NormEpilogue& epi);

// Gradients given g = dL/dy, through gu = dL/du = g * act'(mask * u) * mask (act' of relu is 0
// at 0, of leaky_relu the slope, as PyTorch's). With batch_stats (mean and rstd were computed
// from x) each group gets gx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)),
// dxhat = gu * weight; without (eval-mode batch norm, fixed statistics) gx = rstd * dxhat.
// gweight[c] = sum(gu * xhat), gbias[c] = sum(gu), gmask[c] = sum(g * act'(mask * u) * u) over
// all but C. Any of gx, gweight, gbias, gmask, weight, bias, mask may be null.
template <class T>
void norm_backward(T* gx, T* gweight, T* gbias, T* gmask, const T* g, const T* x, const T* mean,
                   const T* rstd, const T* weight, const T* bias, const T* mask,
                   const NormShape& sh, bool batch_stats, const NormEpilogue& epi);

}  // namespace ganlite::cpu
