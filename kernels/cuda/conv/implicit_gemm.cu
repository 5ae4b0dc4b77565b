// Version "implicit_gemm": each FP32 pass as one GEMM whose operands are never stored; every
// block gathers its tiles of them from the tensors on the fly.
//   fprop  Y  (K, N*P*Q)  = W (K, C*R*S)   @ col(x) (C*R*S, N*P*Q)
//   dgrad  dX (C, N*H*W)  = W^T (C, K*R*S) @ gather(dy) (K*R*S, N*H*W): dx(c, h, w) sums
//          w(k, c, r, s) dy(k, p, q) over the (k, r, s) with h = p*stride - pad + r*dil (and the
//          same for w), so p = (h + pad - r*dil) / stride where that divides evenly and lands
//          in [0, P)
//   wgrad  dW (K, C*R*S)  = dy (K, N*P*Q)  @ col(x)^T (N*P*Q, C*R*S)
// One tile routine serves the three: a block of 256 threads computes a 64 x 64 tile of the
// product, stepping through the reduction 8 at a time; per step it stages a 64x8 tile of the left
// operand and an 8x64 tile of the right one in shared memory, and each thread accumulates a 4x4
// sub-tile (rows ty + 16i, columns tx + 16j, so that a warp writes runs of 16 consecutive
// columns). No double buffering, no vector loads, no split of wgrad's long reduction (N*P*Q): a
// first version, checked against `direct` by test_cuda [conv] and timed by bench_conv_cuda.
// Assumes groups == 1 and float.
#include "kernels/cuda/conv/registry.h"
#include "kernels/cuda/stream.cuh"

namespace ganlite::cuda::conv {
namespace {

constexpr int kTileM = 64, kTileN = 64, kTileK = 8, kBlock = 256;
// As rows padded by 4 so that the transposing store of the left tile (consecutive threads,
// consecutive kk) lands in distinct banks.
constexpr int kPadM = kTileM + 4;

// acc += A[m0.., :] @ B[:, n0..] for an M x N product with reduction length kd; a(m, kd) and
// b(kd, n) read one element each and are called only inside the bounds.
template <class LoadA, class LoadB>
__device__ void tile_product(int64_t m, int64_t n, int64_t kd, int64_t m0, int64_t n0, LoadA a,
                             LoadB b, float (&acc)[4][4]) {
  __shared__ float as[kTileK][kPadM];
  __shared__ float bs[kTileK][kTileN];
  const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
  for (int64_t k0 = 0; k0 < kd; k0 += kTileK) {
    for (int e = tid; e < kTileM * kTileK; e += kBlock) {
      const int mm = e / kTileK, kk = e % kTileK;
      const int64_t row = m0 + mm, kc = k0 + kk;
      as[kk][mm] = row < m && kc < kd ? a(row, kc) : 0.f;
    }
    for (int e = tid; e < kTileK * kTileN; e += kBlock) {
      const int kk = e / kTileN, jj = e % kTileN;
      const int64_t kc = k0 + kk, col = n0 + jj;
      bs[kk][jj] = kc < kd && col < n ? b(kc, col) : 0.f;
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < kTileK; ++kk) {
      float av[4], bv[4];
#pragma unroll
      for (int i = 0; i < 4; ++i) av[i] = as[kk][ty + 16 * i];
#pragma unroll
      for (int j = 0; j < 4; ++j) bv[j] = bs[kk][tx + 16 * j];
#pragma unroll
      for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j) acc[i][j] += av[i] * bv[j];
    }
    // The next step overwrites the tiles every thread has just read.
    __syncthreads();
  }
}

// Calls put(row, col, value) for the thread's 4x4 outputs inside the M x N product.
template <class Put>
__device__ void tile_store(int64_t m, int64_t n, int64_t m0, int64_t n0, const float (&acc)[4][4],
                           Put put) {
  const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const int64_t row = m0 + ty + 16 * i;
    if (row >= m) continue;
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      const int64_t col = n0 + tx + 16 * j;
      if (col < n) put(row, col, acc[i][j]);
    }
  }
}

// x at image img, channel c, of the output pixel pq's receptive-field tap (r, s); 0 in padding.
__device__ float x_tap(const ConvShape& cs, const float* x, int64_t img, int64_t c, int64_t r,
                       int64_t s, int64_t p, int64_t q) {
  const int64_t ih = p * cs.stride_h - cs.pad_h + r * cs.dil_h;
  const int64_t iw = q * cs.stride_w - cs.pad_w + s * cs.dil_w;
  if (ih < 0 || ih >= cs.h || iw < 0 || iw >= cs.w) return 0.f;
  return x[((img * cs.c + c) * cs.h + ih) * cs.w + iw];
}

// The output coordinate whose tap `tap` (r or s) reads input coordinate `in`, or -1 if none.
__device__ int64_t out_of_tap(int64_t in, int64_t tap, int64_t stride, int64_t pad, int64_t dil,
                              int64_t out_size) {
  const int64_t t = in + pad - tap * dil;
  if (t < 0 || t % stride != 0) return -1;
  const int64_t o = t / stride;
  return o < out_size ? o : -1;
}

__global__ void __launch_bounds__(kBlock)
    fprop_kernel(ConvShape cs, const float* x, const float* w, const float* bias, float* y) {
  const int64_t pq = cs.p * cs.q, rs = cs.r * cs.s, crs = cs.c * rs, cols = cs.n * pq;
  const int64_t m0 = int64_t(blockIdx.y) * kTileM, n0 = int64_t(blockIdx.x) * kTileN;
  float acc[4][4] = {};
  tile_product(
      cs.k, cols, crs, m0, n0, [&](int64_t k, int64_t kc) { return w[k * crs + kc]; },
      [&](int64_t kc, int64_t j) {
        return x_tap(cs, x, j / pq, kc / rs, kc % rs / cs.s, kc % cs.s, j % pq / cs.q, j % cs.q);
      },
      acc);
  tile_store(cs.k, cols, m0, n0, acc, [&](int64_t k, int64_t j, float v) {
    y[(j / pq * cs.k + k) * pq + j % pq] = v + (bias ? bias[k] : 0.f);
  });
}

__global__ void __launch_bounds__(kBlock)
    dgrad_kernel(ConvShape cs, const float* dy, const float* w, float* dx) {
  const int64_t hw = cs.h * cs.w, rs = cs.r * cs.s, krs = cs.k * rs, cols = cs.n * hw;
  const int64_t m0 = int64_t(blockIdx.y) * kTileM, n0 = int64_t(blockIdx.x) * kTileN;
  float acc[4][4] = {};
  tile_product(
      cs.c, cols, krs, m0, n0,
      [&](int64_t c, int64_t kc) { return w[(kc / rs * cs.c + c) * rs + kc % rs]; },
      [&](int64_t kc, int64_t j) {
        const int64_t k = kc / rs, r = kc % rs / cs.s, s = kc % cs.s;
        const int64_t img = j / hw, ih = j % hw / cs.w, iw = j % cs.w;
        const int64_t p = out_of_tap(ih, r, cs.stride_h, cs.pad_h, cs.dil_h, cs.p);
        const int64_t q = out_of_tap(iw, s, cs.stride_w, cs.pad_w, cs.dil_w, cs.q);
        return p < 0 || q < 0 ? 0.f : dy[((img * cs.k + k) * cs.p + p) * cs.q + q];
      },
      acc);
  tile_store(cs.c, cols, m0, n0, acc,
             [&](int64_t c, int64_t j, float v) { dx[(j / hw * cs.c + c) * hw + j % hw] = v; });
}

__global__ void __launch_bounds__(kBlock)
    wgrad_kernel(ConvShape cs, const float* x, const float* dy, float* dw) {
  const int64_t pq = cs.p * cs.q, rs = cs.r * cs.s, crs = cs.c * rs, npq = cs.n * pq;
  const int64_t m0 = int64_t(blockIdx.y) * kTileM, n0 = int64_t(blockIdx.x) * kTileN;
  float acc[4][4] = {};
  tile_product(
      cs.k, crs, npq, m0, n0,
      [&](int64_t k, int64_t t) { return dy[(t / pq * cs.k + k) * pq + t % pq]; },
      [&](int64_t t, int64_t kc) {
        return x_tap(cs, x, t / pq, kc / rs, kc % rs / cs.s, kc % cs.s, t % pq / cs.q, t % cs.q);
      },
      acc);
  tile_store(cs.k, crs, m0, n0, acc, [&](int64_t k, int64_t kc, float v) { dw[k * crs + kc] = v; });
}

// The grid for an M x N product, or an error naming the pass and the sizes.
dim3 grid_for(const char* pass, int64_t m, int64_t n) {
  const int64_t bx = (n + kTileN - 1) / kTileN, by = (m + kTileM - 1) / kTileM;
  GANLITE_CHECK(bx <= 0x7fffffff && by <= 65535, "conv_", pass, " (implicit_gemm): a ", m, " x ", n,
                " product exceeds the grid");
  return dim3(static_cast<unsigned>(bx), static_cast<unsigned>(by));
}

void fprop(const ConvShape& cs, const float* x, const float* w, const float* bias, float* y) {
  const int64_t cols = cs.n * cs.p * cs.q;
  if (cols == 0 || cs.k == 0) return;
  fprop_kernel<<<grid_for("fprop", cs.k, cols), kBlock, 0, stream()>>>(cs, x, w, bias, y);
  GANLITE_LAUNCH_CHECK();
}

// Every dx element is written (a pixel no tap reads gets 0), so dx needs no clearing first.
void dgrad(const ConvShape& cs, const float* dy, const float* w, float* dx) {
  const int64_t cols = cs.n * cs.h * cs.w;
  if (cols == 0 || cs.c == 0) return;
  dgrad_kernel<<<grid_for("dgrad", cs.c, cols), kBlock, 0, stream()>>>(cs, dy, w, dx);
  GANLITE_LAUNCH_CHECK();
}

void wgrad(const ConvShape& cs, const float* x, const float* dy, float* dw) {
  const int64_t crs = cs.c * cs.r * cs.s;
  if (crs == 0 || cs.k == 0) return;
  wgrad_kernel<<<grid_for("wgrad", cs.k, crs), kBlock, 0, stream()>>>(cs, x, dy, dw);
  GANLITE_LAUNCH_CHECK();
}

bool ungrouped(const ConvShape& cs) {
  return cs.groups == 1;
}

}  // namespace

const Version& implicit_gemm() {
  static const Version v{"implicit_gemm", ungrouped, {fprop, dgrad, wgrad}, {}};
  return v;
}

}  // namespace ganlite::cuda::conv
