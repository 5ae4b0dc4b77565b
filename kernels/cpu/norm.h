// Normalisation kernels shared by batch, instance and group norm (Ioffe & Szegedy 2015; Ulyanov
// et al. 2016; Wu & He 2018). The input is a contiguous (N, C, S) block; each statistic covers a
// group of C/groups adjacent channels, per sample (group/instance norm) or across the batch
// (batch norm, groups == C). Backward is the closed form derived in kernels/cpu/norm.cpp.
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

// Mean and 1/sqrt(biased variance + eps) of each group; var (may be null) gets the biased
// variance itself, for running statistics. Two passes, accumulated in double.
template <class T>
void norm_stats(T* mean, T* rstd, T* var, const T* x, const NormShape& sh, double eps);

// y = (x - mean) * rstd * weight[c] + bias[c]; weight and bias may be null (no affine).
template <class T>
void norm_forward(T* y, const T* x, const T* mean, const T* rstd, const T* weight, const T* bias,
                  const NormShape& sh);

// Gradients given g = dL/dy. With batch_stats (mean and rstd were computed from x) each group gets
// gx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), dxhat = g * weight; without
// (eval-mode batch norm, fixed statistics) gx = rstd * dxhat. gweight[c] = sum(g * xhat) and
// gbias[c] = sum(g) over all but C. Any of gx, gweight, gbias, weight may be null.
template <class T>
void norm_backward(T* gx, T* gweight, T* gbias, const T* g, const T* x, const T* mean,
                   const T* rstd, const T* weight, const NormShape& sh, bool batch_stats);

}  // namespace ganlite::cpu
