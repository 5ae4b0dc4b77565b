// Version "implicit_gemm": FP32 forward as one GEMM, Y (K, N*P*Q) = W (K, C*R*S) @ col, where the
// column matrix is never stored: each block gathers its tile of it from x on the fly.
// Tiling: a block of 256 threads computes a 64 (K) x 64 (N*P*Q) tile of Y, stepping through
// C*R*S 8 at a time; per step it stages a 64x8 tile of W and an 8x64 tile of col in shared memory
// and each thread accumulates a 4x4 sub-tile (rows ty + 16i, columns tx + 16j, so that a warp
// writes runs of 16 consecutive pixels). No double buffering, no vector loads: a first version.
// Assumes groups == 1 and float; dgrad and wgrad are left to the other versions.
#include "kernels/cuda/conv/registry.h"
#include "kernels/cuda/stream.cuh"

namespace ganlite::cuda::conv {
namespace {

constexpr int kTileM = 64, kTileN = 64, kTileK = 8, kBlock = 256;
// As rows padded by 4 so that the transposing store of W (consecutive threads, consecutive kk)
// lands in distinct banks.
constexpr int kPadM = kTileM + 4;

__global__ void __launch_bounds__(kBlock)
    fprop_kernel(ConvShape cs, const float* x, const float* w, const float* bias, float* y) {
  __shared__ float as[kTileK][kPadM];
  __shared__ float bs[kTileK][kTileN];
  const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
  const int64_t pq = cs.p * cs.q, cols = cs.n * pq, rs = cs.r * cs.s, crs = cs.c * rs;
  const int64_t m0 = int64_t(blockIdx.y) * kTileM, j0 = int64_t(blockIdx.x) * kTileN;
  float acc[4][4] = {};
  for (int64_t k0 = 0; k0 < crs; k0 += kTileK) {
    for (int e = tid; e < kTileM * kTileK; e += kBlock) {
      const int m = e / kTileK, kk = e % kTileK;
      const int64_t row = m0 + m, kc = k0 + kk;
      as[kk][m] = row < cs.k && kc < crs ? w[row * crs + kc] : 0.f;
    }
    for (int e = tid; e < kTileK * kTileN; e += kBlock) {
      const int kk = e / kTileN, jj = e % kTileN;
      const int64_t kc = k0 + kk, j = j0 + jj;
      float v = 0.f;
      if (kc < crs && j < cols) {
        const int64_t c = kc / rs, r = kc % rs / cs.s, s = kc % cs.s;
        const int64_t img = j / pq, p = j % pq / cs.q, q = j % cs.q;
        const int64_t ih = p * cs.stride_h - cs.pad_h + r * cs.dil_h;
        const int64_t iw = q * cs.stride_w - cs.pad_w + s * cs.dil_w;
        if (ih >= 0 && ih < cs.h && iw >= 0 && iw < cs.w)
          v = x[((img * cs.c + c) * cs.h + ih) * cs.w + iw];
      }
      bs[kk][jj] = v;
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < kTileK; ++kk) {
      float a[4], b[4];
#pragma unroll
      for (int i = 0; i < 4; ++i) a[i] = as[kk][ty + 16 * i];
#pragma unroll
      for (int j = 0; j < 4; ++j) b[j] = bs[kk][tx + 16 * j];
#pragma unroll
      for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j) acc[i][j] += a[i] * b[j];
    }
    // The next step overwrites the tiles every thread has just read.
    __syncthreads();
  }
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const int64_t row = m0 + ty + 16 * i;
    if (row >= cs.k) continue;
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      const int64_t col = j0 + tx + 16 * j;
      if (col >= cols) continue;
      y[(col / pq * cs.k + row) * pq + col % pq] = acc[i][j] + (bias ? bias[row] : 0.f);
    }
  }
}

void fprop(const ConvShape& cs, const float* x, const float* w, const float* bias, float* y) {
  const int64_t cols = cs.n * cs.p * cs.q;
  if (cols == 0 || cs.k == 0) return;
  const int64_t bx = (cols + kTileN - 1) / kTileN, by = (cs.k + kTileM - 1) / kTileM;
  GANLITE_CHECK(bx <= 0x7fffffff && by <= 65535, "conv_fprop (implicit_gemm): output ", cs.n, "x",
                cs.k, "x", cs.p, "x", cs.q, " exceeds the grid");
  dim3 grid(static_cast<unsigned>(bx), static_cast<unsigned>(by));
  fprop_kernel<<<grid, kBlock, 0, stream()>>>(cs, x, w, bias, y);
  GANLITE_LAUNCH_CHECK();
}

bool ungrouped(const ConvShape& cs) {
  return cs.groups == 1;
}

}  // namespace

const Version& implicit_gemm() {
  static const Version v{"implicit_gemm", ungrouped, {fprop, nullptr, nullptr}, {}};
  return v;
}

}  // namespace ganlite::cuda::conv
