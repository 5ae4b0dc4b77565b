// Normalisation kernels. One block per statistic (or per channel for the weight and bias
// gradients) walks its group with a block-stride loop and reduces with warp shuffles. Statistics
// are two-pass like the CPU kernels (mean, then the sum of centred squares), accumulated in
// double: one-pass E[x^2] - mu^2 cancels badly when |mu| >> std, and Welford's merge costs more
// than re-reading a group that is usually cache-resident.
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
                               const T* bias, NormShape sh, int64_t total) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t p = i / sh.s, ci = p % sh.c, k = stat_index(sh, p / sh.c, ci);
    const T a = rstd[k] * (weight ? weight[ci] : T(1));
    const T b = bias ? bias[ci] : T(0);
    y[i] = (x[i] - mean[k]) * a + b;
  }
}

// gx per statistic; see kernels/cpu/norm.cpp for the closed form.
template <class T>
__global__ void backward_input_kernel(T* gx, const T* g, const T* x, const T* mean, const T* rstd,
                                      const T* weight, NormShape sh, int64_t stats, double count,
                                      bool batch_stats) {
  for (int64_t k = blockIdx.x; k < stats; k += gridDim.x) {
    const Group grp(sh, k);
    const double mu = mean[k], r = rstd[k];
    double md = 0, mdx = 0;
    if (batch_stats) {
      for (int64_t ni = grp.n0; ni < grp.n1; ++ni) {
        const int64_t off = grp.base(sh, ni);
        for (int64_t j = threadIdx.x; j < grp.len; j += blockDim.x) {
          const double w = weight ? weight[grp.c0 + j / sh.s] : 1.0;
          const double d = g[off + j] * w;
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
        const double w = weight ? weight[grp.c0 + j / sh.s] : 1.0;
        gx[off + j] = static_cast<T>(r * (g[off + j] * w - md - (x[off + j] - mu) * r * mdx));
      }
    }
  }
}

// gweight[c] = sum(g * xhat), gbias[c] = sum(g) over samples and positions, one block per channel.
template <class T>
__global__ void backward_affine_kernel(T* gweight, T* gbias, const T* g, const T* x, const T* mean,
                                       const T* rstd, NormShape sh) {
  for (int64_t ci = blockIdx.x; ci < sh.c; ci += gridDim.x) {
    double sw = 0, sb = 0;
    for (int64_t ni = 0; ni < sh.n; ++ni) {
      const int64_t k = stat_index(sh, ni, ci);
      const double mu = mean[k], r = rstd[k];
      const int64_t off = (ni * sh.c + ci) * sh.s;
      for (int64_t j = threadIdx.x; j < sh.s; j += blockDim.x) {
        sw += g[off + j] * (x[off + j] - mu) * r;
        sb += g[off + j];
      }
    }
    block_sum2(sw, sb);
    if (threadIdx.x == 0) {
      if (gweight) gweight[ci] = static_cast<T>(sw);
      if (gbias) gbias[ci] = static_cast<T>(sb);
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
                  const NormShape& sh) {
  const int64_t total = sh.n * sh.c * sh.s;
  if (total == 0) return;
  forward_kernel<<<grid_for(total), kThreads, 0, stream()>>>(y, x, mean, rstd, weight, bias, sh,
                                                             total);
  GANLITE_LAUNCH_CHECK();
}

template <class T>
void norm_backward(T* gx, T* gweight, T* gbias, const T* g, const T* x, const T* mean,
                   const T* rstd, const T* weight, const NormShape& sh, bool batch_stats) {
  if (gx) {
    backward_input_kernel<<<blocks_for(sh.stats()), kBlock, 0, stream()>>>(
        gx, g, x, mean, rstd, weight, sh, sh.stats(), static_cast<double>(sh.group_count()),
        batch_stats);
    GANLITE_LAUNCH_CHECK();
  }
  if (gweight || gbias) {
    backward_affine_kernel<<<blocks_for(sh.c), kBlock, 0, stream()>>>(gweight, gbias, g, x, mean,
                                                                      rstd, sh);
    GANLITE_LAUNCH_CHECK();
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

}  // namespace ganlite::cuda
