// Version "simt_tiled": the three passes as tiled FP32 implicit GEMMs on the CUDA cores.
// What changed from implicit_gemm (the first version):
//   - block tile 128 x 128 (was 64 x 64), thread tile 8 x 8 (was 4 x 4): 64 FMAs per 4 float4
//     shared-memory reads (was 16 per 8 scalar reads), so the inner loop is bound by FMAs, not by
//     shared-memory bandwidth;
//   - the thread's 8 x 8 is two 4-row by two 4-column quadrants (rows ty*4 and 64 + ty*4, columns
//     tx*4 and 64 + tx*4), so that each operand is read from shared memory as two float4 and a
//     warp's float4 reads of B cover all 32 banks without conflict (A's are broadcasts);
//   - double buffering: the next BK = 8 step is gathered into registers while the current one is
//     multiplied, two shared-memory buffers, one __syncthreads per step;
//   - index decoding out of the loads: a thread decodes its rows and columns once and each step's
//     reduction index once (operands.cuh), 32-bit arithmetic;
//   - split-K when the tiles leave the SMs idle (tiled_gemm.cuh);
//   - the forward's epilogue (bias, per-channel scale, ReLU/leaky ReLU) in the store.
// Shared memory: 2 buffers x (8 x 132 + 8 x 132) floats = 16.5 KiB; A's rows are padded to 132 so
// that the transposing stash (a warp writes 8 reduction indices of 4 rows) hits 32 distinct
// banks, and 132 keeps the float4 reads 16-byte aligned.
// Measured: not yet (written without a GPU; bench_kernels times it against cuDNN, docs/kernels.md).
#include "kernels/cuda/conv/tiled_gemm.cuh"

namespace ganlite::cuda::conv {
namespace {

constexpr int BM = 128, BN = 128, BK = 8, kLd = 132;

// One block per SM (141-147 registers): bounding it to two (128 registers) spills 20-76 bytes;
// which is faster is for bench_kernels to say.
template <class Ops>
__global__ void __launch_bounds__(kTiledThreads) simt_kernel(Ops ops, int chunk, float* partial) {
  __shared__ __align__(16) float as[2][BK * kLd];
  __shared__ __align__(16) float bs[2][BK * kLd];
  const int m0 = blockIdx.y * BM, n0 = blockIdx.x * BN;
  const int kbeg = blockIdx.z * chunk, kend = min(ops.kd(), kbeg + chunk);
  const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
  const auto same = [](float v) { return v; };

  Stager<Ops, BM, BN, BK> stage(ops, m0, n0);
  stage.fetch(ops, kbeg, kend);
  stage.stash(as[0], kLd, bs[0], kLd, same);
  __syncthreads();

  float acc[8][8] = {};
  int buf = 0;
  for (int k0 = kbeg; k0 < kend; k0 += BK) {
    const bool more = k0 + BK < kend;
    if (more) stage.fetch(ops, k0 + BK, kend);
#pragma unroll
    for (int kk = 0; kk < BK; ++kk) {
      float av[8], bv[8];
      const float* arow = as[buf] + kk * kLd;
      const float* brow = bs[buf] + kk * kLd;
      *reinterpret_cast<float4*>(av) = *reinterpret_cast<const float4*>(arow + ty * 4);
      *reinterpret_cast<float4*>(av + 4) = *reinterpret_cast<const float4*>(arow + 64 + ty * 4);
      *reinterpret_cast<float4*>(bv) = *reinterpret_cast<const float4*>(brow + tx * 4);
      *reinterpret_cast<float4*>(bv + 4) = *reinterpret_cast<const float4*>(brow + 64 + tx * 4);
#pragma unroll
      for (int i = 0; i < 8; ++i)
#pragma unroll
        for (int j = 0; j < 8; ++j) acc[i][j] = fmaf(av[i], bv[j], acc[i][j]);
    }
    // The other buffer was last read in the previous step, which the barrier below closed.
    if (more) stage.stash(as[buf ^ 1], kLd, bs[buf ^ 1], kLd, same);
    __syncthreads();
    buf ^= 1;
  }

#pragma unroll
  for (int i = 0; i < 8; ++i) {
    const int m = m0 + (i < 4 ? ty * 4 + i : 64 + ty * 4 + i - 4);
    if (m >= ops.m()) continue;
#pragma unroll
    for (int j = 0; j < 8; ++j) {
      const int n = n0 + (j < 4 ? tx * 4 + j : 64 + tx * 4 + j - 4);
      if (n < ops.n()) put(ops, partial, m, n, acc[i][j]);
    }
  }
}

struct Tiling {
  static constexpr const char* name = "simt_tiled";
  static constexpr int BM = conv::BM, BN = conv::BN, BK = conv::BK;
  template <class Ops>
  static TiledKernel<Ops> kernel() {
    return &simt_kernel<Ops>;
  }
};
using E = TiledEntries<Tiling>;

bool supports(const ConvShape& cs) {
  return cs.groups == 1 && fits32(cs);
}

}  // namespace

const Version& simt_tiled() {
  static const Version v{
      "simt_tiled", supports, {E::fprop, E::dgrad, E::wgrad}, {}, E::fprop_fused};
  return v;
}

}  // namespace ganlite::cuda::conv
