// What the tiled versions (simt_tiled, tf32_mma) share around their inner products:
//   Stager     moves a BK-deep step of both gathered operands (operands.cuh) from global memory
//              into registers (fetch) and from there into shared memory (stash), so that a kernel
//              can fetch step t+1 while it multiplies step t (double buffering);
//   split-K    when the M x N tiles alone give too few blocks to fill the device (batch-1 layers,
//              wgrad's small K x C*R*S product with its N*P*Q-long reduction), blockIdx.z splits
//              the reduction into `splits` chunks whose partial products go to a workspace, and a
//              second kernel sums them in a fixed order (the result does not depend on timing)
//              and applies the pass's store and epilogue.
// Block: 256 threads. A-step loads: thread t reads reduction index t%8 (+8h) of rows t/8 + 32i,
// so a warp reads 4 runs of 8 consecutive reduction indices (contiguous in W and dy); B-step
// loads: reduction index t/32 (+8h) of columns t%32 + 32i, so a warp reads 32 consecutive
// columns (output pixels in fprop, contiguous in x for stride 1).
#pragma once
#include <utility>

#include "kernels/cuda/conv/operands.cuh"
#include "kernels/cuda/device.h"
#include "kernels/cuda/stream.cuh"

namespace ganlite::cuda::conv {

constexpr int kTiledThreads = 256;

template <class Ops, int BM, int BN, int BK>
struct Stager {
  static_assert(BK % 8 == 0 && BM % 32 == 0 && BN % 32 == 0, "tile shape");
  static constexpr int kH = BK / 8, kI = BM / 32, kJ = BN / 32;
  decltype(std::declval<Ops>().a_row(0)) rows[kI];
  decltype(std::declval<Ops>().b_col(0)) cols[kJ];
  float ra[kH][kI], rb[kH][kJ];

  __device__ Stager(const Ops& ops, int m0, int n0) {
    const int t = threadIdx.x;
#pragma unroll
    for (int i = 0; i < kI; ++i) rows[i] = ops.a_row(m0 + t / 8 + 32 * i);
#pragma unroll
    for (int j = 0; j < kJ; ++j) cols[j] = ops.b_col(n0 + t % 32 + 32 * j);
  }

  // Registers <- the step at reduction index k0; indices >= kend read as 0.
  __device__ void fetch(const Ops& ops, int k0, int kend) {
    const int t = threadIdx.x;
#pragma unroll
    for (int h = 0; h < kH; ++h) {
      const int ka = k0 + t % 8 + 8 * h, kb = k0 + t / 32 + 8 * h;
      const auto red_a = ops.a_red(ka);
      const auto red_b = ops.b_red(kb);
#pragma unroll
      for (int i = 0; i < kI; ++i) ra[h][i] = ka < kend ? ops.a(rows[i], red_a) : 0.f;
#pragma unroll
      for (int j = 0; j < kJ; ++j) rb[h][j] = kb < kend ? ops.b(red_b, cols[j]) : 0.f;
    }
  }

  // Shared memory <- registers, k-major: as[kk * lda + m], bs[kk * ldb + n], each value passed
  // through cvt (the tensor-core version stores TF32 bit patterns).
  template <class T, class Cvt>
  __device__ void stash(T* as, int lda, T* bs, int ldb, Cvt cvt) const {
    const int t = threadIdx.x;
#pragma unroll
    for (int h = 0; h < kH; ++h) {
#pragma unroll
      for (int i = 0; i < kI; ++i) as[(t % 8 + 8 * h) * lda + t / 8 + 32 * i] = cvt(ra[h][i]);
#pragma unroll
      for (int j = 0; j < kJ; ++j) bs[(t / 32 + 8 * h) * ldb + t % 32 + 32 * j] = cvt(rb[h][j]);
    }
  }
};

// Where a block's tile result goes: the pass's store, or split z's slice of the workspace.
template <class Ops>
__device__ inline void put(const Ops& ops, float* partial, int m, int n, float v) {
  if (partial)
    partial[(size_t(blockIdx.z) * ops.m() + m) * ops.n() + n] = v;
  else
    ops.store(m, n, v);
}

template <class Ops>
__global__ void splitk_sum(Ops ops, const float* partial, int splits) {
  const int64_t mn = int64_t(ops.m()) * ops.n();
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < mn;
       i += int64_t(gridDim.x) * blockDim.x) {
    float sum = 0.f;
    for (int z = 0; z < splits; ++z) sum += partial[z * mn + i];
    ops.store(static_cast<int>(i / ops.n()), static_cast<int>(i % ops.n()), sum);
  }
}

// Runs kernel(ops, chunk, partial) on the BM x BN tiles of the ops' product, with split-K where
// the tiles alone leave the device's SMs short of two blocks each.
template <int BM, int BN, int BK, class Ops>
void launch_tiled(const char* version, const char* pass, const Ops& ops,
                  void (*kernel)(Ops, int, float*)) {
  const int64_t m = ops.m(), n = ops.n(), kd = ops.kd();
  if (m == 0 || n == 0) return;
  const int64_t bx = (n + BN - 1) / BN, by = (m + BM - 1) / BM;
  GANLITE_CHECK(bx <= 0x7fffffff && by <= 65535, "conv_", pass, " (", version, "): a ", m, " x ", n,
                " product exceeds the grid");
  static const int sms = device_info(0).sm_count;
  const int64_t steps = (kd + BK - 1) / BK;
  // At least 4 steps per split, so that the double buffering has something to overlap.
  int64_t splits = std::min<int64_t>((2 * sms + bx * by - 1) / (bx * by), steps / 4);
  splits = std::max<int64_t>(1, std::min<int64_t>(splits, 64));
  const int64_t chunk = (steps + splits - 1) / splits * BK;
  splits = kd == 0 ? 1 : (kd + chunk - 1) / chunk;
  const dim3 grid{unsigned(bx), unsigned(by), unsigned(splits)};
  if (splits == 1) {
    kernel<<<grid, kTiledThreads, 0, stream()>>>(ops, int(std::max<int64_t>(chunk, 1)), nullptr);
    GANLITE_LAUNCH_CHECK();
    return;
  }
  auto* partial = static_cast<float*>(alloc(size_t(splits * m * n) * sizeof(float)));
  kernel<<<grid, kTiledThreads, 0, stream()>>>(ops, int(chunk), partial);
  GANLITE_LAUNCH_CHECK();
  splitk_sum<<<grid_for(m * n), kThreads, 0, stream()>>>(ops, partial, int(splits));
  GANLITE_LAUNCH_CHECK();
  release(partial);  // stream order: a later user of the block runs after splitk_sum
}

template <class Ops>
using TiledKernel = void (*)(Ops, int, float*);

// The registry entries of a tiled version V: V::name, its tile V::BM x V::BN x V::BK and
// V::kernel<Ops>(), its kernel for a pass's operands.
template <class V>
struct TiledEntries {
  template <class Ops>
  static void run(const char* pass, const Ops& ops) {
    launch_tiled<V::BM, V::BN, V::BK>(V::name, pass, ops, V::template kernel<Ops>());
  }
  static void fprop_fused(const ConvShape& cs, const float* x, const float* w,
                          const ConvEpilogue& ep, float* y) {
    run("fprop", FpropOperands{dims_of(cs), x, w, ep, y});
  }
  static void fprop(const ConvShape& cs, const float* x, const float* w, const float* bias,
                    float* y) {
    ConvEpilogue ep;
    ep.bias = bias;
    fprop_fused(cs, x, w, ep, y);
  }
  static void dgrad(const ConvShape& cs, const float* dy, const float* w, float* dx) {
    run("dgrad", DgradOperands{dims_of(cs), dy, w, dx});
  }
  static void wgrad(const ConvShape& cs, const float* x, const float* dy, float* dw) {
    run("wgrad", WgradOperands{dims_of(cs), x, dy, dw});
  }
};

}  // namespace ganlite::cuda::conv
