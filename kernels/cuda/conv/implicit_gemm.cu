// Version "implicit_gemm": each FP32 pass as one GEMM whose operands are never stored; every
// block gathers its tiles of them from the tensors on the fly (the three products and their
// operands: operands.cuh).
// One tile routine serves the three: a block of 256 threads computes a 64 x 64 tile of the
// product, stepping through the reduction 8 at a time; per step it stages a 64x8 tile of the left
// operand and an 8x64 tile of the right one in shared memory, and each thread accumulates a 4x4
// sub-tile (rows ty + 16i, columns tx + 16j, so that a warp writes runs of 16 consecutive
// columns). Every element is decoded from its two coordinates where it is loaded. No double
// buffering, no vector loads, no split of wgrad's long reduction (N*P*Q): a first version, checked
// against `direct` by test_cuda [conv] and timed by bench_kernels; simt_tiled is what came next.
// Assumes groups == 1 and float.
#include "kernels/cuda/conv/operands.cuh"
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
__device__ void tile_product(int m, int n, int kd, int m0, int n0, LoadA a, LoadB b,
                             float (&acc)[4][4]) {
  __shared__ float as[kTileK][kPadM];
  __shared__ float bs[kTileK][kTileN];
  const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
  for (int k0 = 0; k0 < kd; k0 += kTileK) {
    for (int e = tid; e < kTileM * kTileK; e += kBlock) {
      const int mm = e / kTileK, kk = e % kTileK;
      const int row = m0 + mm, kc = k0 + kk;
      as[kk][mm] = row < m && kc < kd ? a(row, kc) : 0.f;
    }
    for (int e = tid; e < kTileK * kTileN; e += kBlock) {
      const int kk = e / kTileN, jj = e % kTileN;
      const int kc = k0 + kk, col = n0 + jj;
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
__device__ void tile_store(int m, int n, int m0, int n0, const float (&acc)[4][4], Put put) {
  const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const int row = m0 + ty + 16 * i;
    if (row >= m) continue;
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      const int col = n0 + tx + 16 * j;
      if (col < n) put(row, col, acc[i][j]);
    }
  }
}

template <class Ops>
__global__ void __launch_bounds__(kBlock) product_kernel(Ops ops) {
  const int m0 = blockIdx.y * kTileM, n0 = blockIdx.x * kTileN;
  float acc[4][4] = {};
  tile_product(
      ops.m(), ops.n(), ops.kd(), m0, n0,
      [&](int m, int kc) { return ops.a(ops.a_row(m), ops.a_red(kc)); },
      [&](int kc, int j) { return ops.b(ops.b_red(kc), ops.b_col(j)); }, acc);
  tile_store(ops.m(), ops.n(), m0, n0, acc, [&](int m, int j, float v) { ops.store(m, j, v); });
}

// The grid for an M x N product, or an error naming the pass and the sizes.
dim3 grid_for(const char* pass, int64_t m, int64_t n) {
  const int64_t bx = (n + kTileN - 1) / kTileN, by = (m + kTileM - 1) / kTileM;
  GANLITE_CHECK(bx <= 0x7fffffff && by <= 65535, "conv_", pass, " (implicit_gemm): a ", m, " x ", n,
                " product exceeds the grid");
  return dim3(static_cast<unsigned>(bx), static_cast<unsigned>(by));
}

template <class Ops>
void run(const char* pass, const Ops& ops) {
  if (ops.m() == 0 || ops.n() == 0) return;
  product_kernel<<<grid_for(pass, ops.m(), ops.n()), kBlock, 0, stream()>>>(ops);
  GANLITE_LAUNCH_CHECK();
}

void fprop(const ConvShape& cs, const float* x, const float* w, const float* bias, float* y) {
  ConvEpilogue ep;
  ep.bias = bias;
  run("fprop", FpropOperands{dims_of(cs), x, w, ep, y});
}

// Every dx element is written (a pixel no tap reads gets 0), so dx needs no clearing first.
void dgrad(const ConvShape& cs, const float* dy, const float* w, float* dx) {
  run("dgrad", DgradOperands{dims_of(cs), dy, w, dx});
}

void wgrad(const ConvShape& cs, const float* x, const float* dy, float* dw) {
  run("wgrad", WgradOperands{dims_of(cs), x, dy, dw});
}

bool supports(const ConvShape& cs) {
  return cs.groups == 1 && fits32(cs);
}

}  // namespace

const Version& implicit_gemm() {
  static const Version v{"implicit_gemm", supports, {fprop, dgrad, wgrad}, {}};
  return v;
}

}  // namespace ganlite::cuda::conv
