// Normalisation kernels. Statistics and sums accumulate in double so f32 groups of many values
// keep their accuracy. Backward derivation (per group of M values, xhat = (x - mu) * r with
// r = (var + eps)^-1/2 and dxhat = dL/dxhat): dmu/dx_i = 1/M and dr/dx_i = -r^3 (x_i - mu) / M,
// so dL/dx_i = r * dxhat_i - r/M * sum(dxhat) - r/M * xhat_i * sum(dxhat * xhat).
#include "kernels/cpu/norm.h"

#include <cmath>

#include "kernels/cpu/lane_sum.h"

namespace ganlite::cpu {
namespace {

// Calls f(offset, first_channel) for each contiguous block (C/groups channels of S values) that
// belongs to statistic k: one block per sample for batch norm, a single block otherwise.
template <class F>
void for_each_block(const NormShape& sh, int64_t k, F&& f) {
  int64_t cpg = sh.c / sh.groups;
  int64_t g = k % sh.groups;
  int64_t n0 = sh.per_sample ? k / sh.groups : 0;
  int64_t n1 = sh.per_sample ? n0 + 1 : sh.n;
  for (int64_t ni = n0; ni < n1; ++ni) f((ni * sh.c + g * cpg) * sh.s, g * cpg);
}

bool worth_threads(const NormShape& sh, int64_t tasks) {
  return sh.n * sh.c * sh.s > (1 << 15) && tasks > 1;
}

}  // namespace

template <class T>
void norm_stats(T* mean, T* rstd, T* var, const T* x, const NormShape& sh, double eps) {
  const int64_t len = (sh.c / sh.groups) * sh.s;
  const double count = static_cast<double>(sh.group_count());
#pragma omp parallel for schedule(static) if (worth_threads(sh, sh.stats()))
  for (int64_t k = 0; k < sh.stats(); ++k) {
    double sum = 0;
    for_each_block(sh, k, [&](int64_t off, int64_t) {
      sum += lane_sum(len, [&](int64_t j) { return double(x[off + j]); });
    });
    const double mu = sum / count;
    // Second pass on centred values: one-pass E[x^2] - mu^2 cancels badly when |mu| >> std.
    double ss = 0;
    for_each_block(sh, k, [&](int64_t off, int64_t) {
      ss += lane_sum(len, [&](int64_t j) {
        const double d = x[off + j] - mu;
        return d * d;
      });
    });
    const double v = ss / count;
    mean[k] = static_cast<T>(mu);
    rstd[k] = static_cast<T>(1.0 / std::sqrt(v + eps));
    if (var) var[k] = static_cast<T>(v);
  }
}

template <class T>
void norm_forward(T* y, const T* x, const T* mean, const T* rstd, const T* weight, const T* bias,
                  const NormShape& sh) {
  const int64_t planes = sh.n * sh.c;
#pragma omp parallel for schedule(static) if (worth_threads(sh, planes))
  for (int64_t p = 0; p < planes; ++p) {
    const int64_t ci = p % sh.c, k = sh.stat_of(p / sh.c, ci);
    const T mu = mean[k];
    const T a = rstd[k] * (weight ? weight[ci] : T(1));
    const T b = bias ? bias[ci] : T(0);
    const T* xp = x + p * sh.s;
    T* yp = y + p * sh.s;
#pragma omp simd
    for (int64_t j = 0; j < sh.s; ++j) yp[j] = (xp[j] - mu) * a + b;
  }
}

template <class T>
void norm_backward(T* gx, T* gweight, T* gbias, const T* g, const T* x, const T* mean,
                   const T* rstd, const T* weight, const NormShape& sh, bool batch_stats) {
  const int64_t cpg = sh.c / sh.groups;
  if (gx) {
    const double count = static_cast<double>(sh.group_count());
#pragma omp parallel for schedule(static) if (worth_threads(sh, sh.stats()))
    for (int64_t k = 0; k < sh.stats(); ++k) {
      const double mu = mean[k], r = rstd[k];
      // Group means of dxhat and dxhat * xhat; zero when the statistics are fixed.
      double md = 0, mdx = 0;
      if (batch_stats) {
        for_each_block(sh, k, [&](int64_t off, int64_t c0) {
          for (int64_t cc = 0; cc < cpg; ++cc) {
            const double w = weight ? weight[c0 + cc] : 1.0;
            const T *gp = g + off + cc * sh.s, *xp = x + off + cc * sh.s;
            md += w * lane_sum(sh.s, [&](int64_t j) { return double(gp[j]); });
            mdx += w * r * lane_sum(sh.s, [&](int64_t j) { return gp[j] * (xp[j] - mu); });
          }
        });
        md /= count;
        mdx /= count;
      }
      for_each_block(sh, k, [&](int64_t off, int64_t c0) {
        for (int64_t cc = 0; cc < cpg; ++cc) {
          const double w = weight ? weight[c0 + cc] : 1.0;
#pragma omp simd
          for (int64_t j = off + cc * sh.s; j < off + (cc + 1) * sh.s; ++j)
            gx[j] = static_cast<T>(r * (g[j] * w - md - (x[j] - mu) * r * mdx));
        }
      });
    }
  }
  if (!gweight && !gbias) return;
#pragma omp parallel for schedule(static) if (worth_threads(sh, sh.c))
  for (int64_t ci = 0; ci < sh.c; ++ci) {
    double sw = 0, sb = 0;
    for (int64_t ni = 0; ni < sh.n; ++ni) {
      const int64_t k = sh.stat_of(ni, ci);
      const double mu = mean[k], r = rstd[k];
      const T* gp = g + (ni * sh.c + ci) * sh.s;
      const T* xp = x + (ni * sh.c + ci) * sh.s;
      sw += r * lane_sum(sh.s, [&](int64_t j) { return gp[j] * (xp[j] - mu); });
      sb += lane_sum(sh.s, [&](int64_t j) { return double(gp[j]); });
    }
    if (gweight) gweight[ci] = static_cast<T>(sw);
    if (gbias) gbias[ci] = static_cast<T>(sb);
  }
}

#define GANLITE_NORM(T)                                                                        \
  template void norm_stats<T>(T*, T*, T*, const T*, const NormShape&, double);                 \
  template void norm_forward<T>(T*, const T*, const T*, const T*, const T*, const T*,          \
                                const NormShape&);                                             \
  template void norm_backward<T>(T*, T*, T*, const T*, const T*, const T*, const T*, const T*, \
                                 const NormShape&, bool);
GANLITE_NORM(float)
GANLITE_NORM(double)

}  // namespace ganlite::cpu
