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

namespace {

// The activation's slope below 0 (above it 1): the epilogue as a select, so that the element
// loops stay branch-free and vectorise.
double negative_slope(const NormEpilogue& e) {
  switch (e.act) {
    case NormEpilogue::Act::relu:
      return 0.0;
    case NormEpilogue::Act::leaky_relu:
      return e.slope;
    case NormEpilogue::Act::none:
      break;
  }
  return 1.0;
}

// A channel's constants in one group: u = (x - mu) * a + b with a = rstd * weight, the masked
// v = m * u, y = v or neg * v, and dL/du = g * act'(v) * m.
template <class T>
struct Channel {
  double mu, r, w, a, b, m, neg;
  Channel(const T* mean, const T* rstd, const T* weight, const T* bias, const T* mask, int64_t k,
          int64_t ci, double neg_slope)
      : mu(mean[k]),
        r(rstd[k]),
        w(weight ? double(weight[ci]) : 1.0),
        a(r * w),
        b(bias ? double(bias[ci]) : 0.0),
        m(mask ? double(mask[ci]) : 1.0),
        neg(neg_slope) {}
  double u(T x) const { return (x - mu) * a + b; }
  double slope(double u) const { return m * u > 0 ? 1.0 : neg; }
  double gu(T g, T x) const { return g * slope(u(x)) * m; }
};

// The forward with the epilogue (kFused) or without.
template <bool kFused, class T>
void forward_impl(T* y, const T* x, const T* mean, const T* rstd, const T* weight, const T* bias,
                  const T* mask, const NormShape& sh, double neg) {
  const int64_t planes = sh.n * sh.c;
#pragma omp parallel for schedule(static) if (worth_threads(sh, planes))
  for (int64_t p = 0; p < planes; ++p) {
    const int64_t ci = p % sh.c, k = sh.stat_of(p / sh.c, ci);
    const T m = mask ? mask[ci] : T(1);
    // m * ((x - mu) * a + b) = (x - mu) * (m a) + m b
    const T mu = mean[k];
    const T a = rstd[k] * (weight ? weight[ci] : T(1)) * (kFused ? m : T(1));
    const T b = (bias ? bias[ci] : T(0)) * (kFused ? m : T(1));
    const T tn = static_cast<T>(neg);
    const T* xp = x + p * sh.s;
    T* yp = y + p * sh.s;
#pragma omp simd
    for (int64_t j = 0; j < sh.s; ++j) {
      const T v = (xp[j] - mu) * a + b;
      if constexpr (kFused)
        yp[j] = v > 0 ? v : v * tn;
      else
        yp[j] = v;
    }
  }
}

template <bool kFused, class T>
void backward_impl(T* gx, T* gweight, T* gbias, T* gmask, const T* g, const T* x, const T* mean,
                   const T* rstd, const T* weight, const T* bias, const T* mask,
                   const NormShape& sh, bool batch_stats, double neg) {
  const int64_t cpg = sh.c / sh.groups;
  // dL/du at element i of channel c.
  auto gu = [&](const Channel<T>& c, int64_t i) -> double {
    if constexpr (kFused)
      return c.gu(g[i], x[i]);
    else
      return g[i];
  };
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
            const Channel<T> c(mean, rstd, weight, bias, mask, k, c0 + cc, neg);
            const int64_t o = off + cc * sh.s;
            md += c.w * lane_sum(sh.s, [&](int64_t j) { return gu(c, o + j); });
            mdx +=
                c.w * r * lane_sum(sh.s, [&](int64_t j) { return gu(c, o + j) * (x[o + j] - mu); });
          }
        });
        md /= count;
        mdx /= count;
      }
      for_each_block(sh, k, [&](int64_t off, int64_t c0) {
        for (int64_t cc = 0; cc < cpg; ++cc) {
          const Channel<T> c(mean, rstd, weight, bias, mask, k, c0 + cc, neg);
#pragma omp simd
          for (int64_t j = off + cc * sh.s; j < off + (cc + 1) * sh.s; ++j)
            gx[j] = static_cast<T>(r * (gu(c, j) * c.w - md - (x[j] - mu) * r * mdx));
        }
      });
    }
  }
  if (!gweight && !gbias && !gmask) return;
#pragma omp parallel for schedule(static) if (worth_threads(sh, sh.c))
  for (int64_t ci = 0; ci < sh.c; ++ci) {
    double sw = 0, sb = 0, sm = 0;
    for (int64_t ni = 0; ni < sh.n; ++ni) {
      const int64_t k = sh.stat_of(ni, ci);
      const Channel<T> c(mean, rstd, weight, bias, mask, k, ci, neg);
      const int64_t o = (ni * sh.c + ci) * sh.s;
      sw += c.r * lane_sum(sh.s, [&](int64_t j) { return gu(c, o + j) * (x[o + j] - c.mu); });
      sb += lane_sum(sh.s, [&](int64_t j) { return gu(c, o + j); });
      if constexpr (kFused)
        if (gmask)
          sm += lane_sum(sh.s, [&](int64_t j) {
            const double u = c.u(x[o + j]);
            return g[o + j] * c.slope(u) * u;
          });
    }
    if (gweight) gweight[ci] = static_cast<T>(sw);
    if (gbias) gbias[ci] = static_cast<T>(sb);
    if (gmask) gmask[ci] = static_cast<T>(sm);
  }
}

}  // namespace

template <class T>
void norm_forward(T* y, const T* x, const T* mean, const T* rstd, const T* weight, const T* bias,
                  const T* mask, const NormShape& sh, const NormEpilogue& epi) {
  if (mask || epi.act != NormEpilogue::Act::none)
    forward_impl<true>(y, x, mean, rstd, weight, bias, mask, sh, negative_slope(epi));
  else
    forward_impl<false>(y, x, mean, rstd, weight, bias, mask, sh, 1.0);
}

template <class T>
void norm_backward(T* gx, T* gweight, T* gbias, T* gmask, const T* g, const T* x, const T* mean,
                   const T* rstd, const T* weight, const T* bias, const T* mask,
                   const NormShape& sh, bool batch_stats, const NormEpilogue& epi) {
  if (mask || epi.act != NormEpilogue::Act::none)
    backward_impl<true>(gx, gweight, gbias, gmask, g, x, mean, rstd, weight, bias, mask, sh,
                        batch_stats, negative_slope(epi));
  else
    backward_impl<false>(gx, gweight, gbias, gmask, g, x, mean, rstd, weight, bias, mask, sh,
                         batch_stats, 1.0);
}

#define GANLITE_NORM(T)                                                                            \
  template void norm_stats<T>(T*, T*, T*, const T*, const NormShape&, double);                     \
  template void norm_forward<T>(T*, const T*, const T*, const T*, const T*, const T*, const T*,    \
                                const NormShape&, const NormEpilogue&);                            \
  template void norm_backward<T>(T*, T*, T*, T*, const T*, const T*, const T*, const T*, const T*, \
                                 const T*, const T*, const NormShape&, bool, const NormEpilogue&);
GANLITE_NORM(float)
GANLITE_NORM(double)

}  // namespace ganlite::cpu
