// Normalisation kernels. One block per statistic (or per channel for the weight and bias
// gradients) walks its group with a block-stride loop and reduces with warp shuffles. Statistics
// are two-pass like the CPU kernels (mean, then the sum of centred squares), accumulated in
// double: one-pass E[x^2] - mu^2 cancels badly when |mu| >> std, and Welford's merge costs more
// than re-reading a group that is usually cache-resident. The epilogue (DMAD's mask and the
// activation, kernels/cpu/norm.h) is applied per element in the same passes: the backward
// recomputes u and act'(mask * u) from x instead of storing them.
#include "kernels/cuda/block_reduce.cuh"
#include "kernels/cuda/norm.h"
#include "kernels/cuda/stream.cuh"

namespace ganlite::cuda {
namespace {

constexpr int kBlock = 256;  // threads per block; a multiple of the warp size

// The contiguous blocks of statistic k: samples [n0, n1), each starting at x + base(ni).
struct Group {
  int64_t n0, n1, c0, len;  // len = channels per group * spatial size
  __device__ Group(const NormShape& sh, int64_t k) {
    const int64_t cpg = sh.c / sh.groups;
    c0 = (k % sh.groups) * cpg;
    n0 = sh.per_sample ? k / sh.groups : 0;
    n1 = sh.per_sample ? n0 + 1 : sh.n;
    len = cpg * sh.s;
  }
  __device__ int64_t base(const NormShape& sh, int64_t ni) const { return (ni * sh.c + c0) * sh.s; }
};

__device__ inline int64_t stat_index(const NormShape& sh, int64_t ni, int64_t ci) {
  return (sh.per_sample ? ni * sh.groups : 0) + ci / (sh.c / sh.groups);
}

// u = (x - mu) * r * w + b at one element of channel ci, the epilogue's output and dL/du.
template <class T>
struct Elem {
  double mu, r, w, b, m;
  NormEpilogue e;
  __device__ Elem(const T* mean, const T* rstd, const T* weight, const T* bias, const T* mask,
                  int64_t k, int64_t ci, const NormEpilogue& epi)
      : mu(mean[k]),
        r(rstd[k]),
        w(weight ? double(weight[ci]) : 1.0),
        b(bias ? double(bias[ci]) : 0.0),
        m(mask ? double(mask[ci]) : 1.0),
        e(epi) {}
  __device__ double u(double x) const { return (x - mu) * r * w + b; }
  __device__ double slope_at(double v) const {
    if (e.act == NormEpilogue::Act::none || v > 0) return 1.0;
    return e.act == NormEpilogue::Act::relu ? 0.0 : e.slope;
  }
  __device__ double out(double x) const {
    const double v = m * u(x);
    return v * slope_at(v);
  }
  __device__ double gu(double g, double x) const { return g * slope_at(m * u(x)) * m; }
};

template <class T>
__global__ void stats_kernel(T* mean, T* rstd, T* var, const T* x, NormShape sh, int64_t stats,
                             double count, double eps) {
  for (int64_t k = blockIdx.x; k < stats; k += gridDim.x) {
    const Group grp(sh, k);
    double sum = 0, unused = 0;
    for (int64_t ni = grp.n0; ni < grp.n1; ++ni) {
      const T* xb = x + grp.base(sh, ni);
      for (int64_t j = threadIdx.x; j < grp.len; j += blockDim.x) sum += xb[j];
    }
    block_sum2(sum, unused);
    const double mu = sum / count;
    double ss = 0;
    for (int64_t ni = grp.n0; ni < grp.n1; ++ni) {
      const T* xb = x + grp.base(sh, ni);
      for (int64_t j = threadIdx.x; j < grp.len; j += blockDim.x) {
        const double d = xb[j] - mu;
        ss += d * d;
      }
    }
    block_sum2(ss, unused);
    if (threadIdx.x == 0) {
      const double v = ss / count;
      mean[k] = static_cast<T>(mu);
      rstd[k] = static_cast<T>(1.0 / sqrt(v + eps));
      if (var) var[k] = static_cast<T>(v);
    }
  }
}

template <class T>
__global__ void forward_kernel(T* y, const T* x, const T* mean, const T* rstd, const T* weight,
                               const T* bias, const T* mask, NormShape sh, NormEpilogue epi,
                               int64_t total) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t p = i / sh.s, ci = p % sh.c, k = stat_index(sh, p / sh.c, ci);
    y[i] = static_cast<T>(Elem<T>(mean, rstd, weight, bias, mask, k, ci, epi).out(x[i]));
  }
}

// gx per statistic; see kernels/cpu/norm.cpp for the closed form, with g replaced by dL/du.
template <class T>
__global__ void backward_input_kernel(T* gx, const T* g, const T* x, const T* mean, const T* rstd,
                                      const T* weight, const T* bias, const T* mask, NormShape sh,
                                      NormEpilogue epi, int64_t stats, double count,
                                      bool batch_stats) {
  for (int64_t k = blockIdx.x; k < stats; k += gridDim.x) {
    const Group grp(sh, k);
    const double mu = mean[k], r = rstd[k];
    double md = 0, mdx = 0;
    if (batch_stats) {
      for (int64_t ni = grp.n0; ni < grp.n1; ++ni) {
        const int64_t off = grp.base(sh, ni);
        for (int64_t j = threadIdx.x; j < grp.len; j += blockDim.x) {
          const Elem<T> el(mean, rstd, weight, bias, mask, k, grp.c0 + j / sh.s, epi);
          const double d = el.gu(g[off + j], x[off + j]) * el.w;
          md += d;
          mdx += d * (x[off + j] - mu) * r;
        }
      }
      block_sum2(md, mdx);
      md /= count;
      mdx /= count;
    }
    for (int64_t ni = grp.n0; ni < grp.n1; ++ni) {
      const int64_t off = grp.base(sh, ni);
      for (int64_t j = threadIdx.x; j < grp.len; j += blockDim.x) {
        const Elem<T> el(mean, rstd, weight, bias, mask, k, grp.c0 + j / sh.s, epi);
        gx[off + j] = static_cast<T>(
            r * (el.gu(g[off + j], x[off + j]) * el.w - md - (x[off + j] - mu) * r * mdx));
      }
    }
  }
}

// gweight[c] = sum(gu * xhat), gbias[c] = sum(gu), gmask[c] = sum(g * act'(m u) * u) over samples
// and positions, one block per channel.
template <class T>
__global__ void backward_affine_kernel(T* gweight, T* gbias, T* gmask, const T* g, const T* x,
                                       const T* mean, const T* rstd, const T* weight, const T* bias,
                                       const T* mask, NormShape sh, NormEpilogue epi) {
  for (int64_t ci = blockIdx.x; ci < sh.c; ci += gridDim.x) {
    double sw = 0, sb = 0, sm = 0, unused = 0;
    for (int64_t ni = 0; ni < sh.n; ++ni) {
      const int64_t k = stat_index(sh, ni, ci);
      const Elem<T> el(mean, rstd, weight, bias, mask, k, ci, epi);
      const int64_t off = (ni * sh.c + ci) * sh.s;
      for (int64_t j = threadIdx.x; j < sh.s; j += blockDim.x) {
        const double gu = el.gu(g[off + j], x[off + j]);
        sw += gu * (x[off + j] - el.mu) * el.r;
        sb += gu;
        if (gmask) {
          const double u = el.u(x[off + j]);
          sm += g[off + j] * el.slope_at(el.m * u) * u;
        }
      }
    }
    block_sum2(sw, sb);
    if (gmask) block_sum2(sm, unused);
    if (threadIdx.x == 0) {
      if (gweight) gweight[ci] = static_cast<T>(sw);
      if (gbias) gbias[ci] = static_cast<T>(sb);
      if (gmask) gmask[ci] = static_cast<T>(sm);
    }
  }
}

}  // namespace

template <class T>
void norm_stats(T* mean, T* rstd, T* var, const T* x, const NormShape& sh, double eps) {
  stats_kernel<<<blocks_for(sh.stats()), kBlock, 0, stream()>>>(
      mean, rstd, var, x, sh, sh.stats(), static_cast<double>(sh.group_count()), eps);
  GANLITE_LAUNCH_CHECK();
}

template <class T>
void norm_forward(T* y, const T* x, const T* mean, const T* rstd, const T* weight, const T* bias,
                  const T* mask, const NormShape& sh, const NormEpilogue& epi) {
  const int64_t total = sh.n * sh.c * sh.s;
  if (total == 0) return;
  forward_kernel<<<grid_for(total), kThreads, 0, stream()>>>(y, x, mean, rstd, weight, bias, mask,
                                                             sh, epi, total);
  GANLITE_LAUNCH_CHECK();
}

template <class T>
void norm_backward(T* gx, T* gweight, T* gbias, T* gmask, const T* g, const T* x, const T* mean,
                   const T* rstd, const T* weight, const T* bias, const T* mask,
                   const NormShape& sh, bool batch_stats, const NormEpilogue& epi) {
  if (gx) {
    backward_input_kernel<<<blocks_for(sh.stats()), kBlock, 0, stream()>>>(
        gx, g, x, mean, rstd, weight, bias, mask, sh, epi, sh.stats(),
        static_cast<double>(sh.group_count()), batch_stats);
    GANLITE_LAUNCH_CHECK();
  }
  if (gweight || gbias || gmask) {
    backward_affine_kernel<<<blocks_for(sh.c), kBlock, 0, stream()>>>(
        gweight, gbias, gmask, g, x, mean, rstd, weight, bias, mask, sh, epi);
    GANLITE_LAUNCH_CHECK();
  }
}

#define GANLITE_NORM(T)                                                                            \
  template void norm_stats<T>(T*, T*, T*, const T*, const NormShape&, double);                     \
  template void norm_forward<T>(T*, const T*, const T*, const T*, const T*, const T*, const T*,    \
                                const NormShape&, const NormEpilogue&);                            \
  template void norm_backward<T>(T*, T*, T*, T*, const T*, const T*, const T*, const T*, const T*, \
                                 const T*, const T*, const NormShape&, bool, const NormEpilogue&);
GANLITE_NORM(float)
GANLITE_NORM(double)

}  // namespace ganlite::cuda
