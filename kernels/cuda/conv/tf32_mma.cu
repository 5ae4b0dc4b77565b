// Version "tf32_mma": the three passes as tiled implicit GEMMs on the tensor cores, TF32 inputs
// (10-bit mantissa, rounded to nearest by cvt.rna at the shared-memory stash) and FP32
// accumulation, through the warp-level `mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32`
// (sm_80 and later). The results are those of a TF32 convolution (cuDNN's and PyTorch's default
// on these GPUs): about 1e-3 relative to the size of the sum, not FP32's 1e-6.
// Tiling: block 128 x 128 x BK = 16, 8 warps as 2 (M) x 4 (N), warp tile 64 x 32 = 4 x 4 mma
// tiles of 16 x 8; per 8-deep substep a warp loads 4 A fragments (4 registers each) and 4 B
// fragments (2 each) from shared memory and issues 16 mma. Fragment layout (PTX ISA, m16n8k8
// .tf32), with g = lane / 4 and t = lane % 4: A regs (g, t), (g+8, t), (g, t+4), (g+8, t+4);
// B regs (k = t, n = g), (t+4, g); C regs (g, 2t), (g, 2t+1), (g+8, 2t), (g+8, 2t+1).
// Shared memory is k-major with rows of 136 words: a fragment read (k = t, m = g) hits bank
// 8t + g, all 32 distinct; the transposing stash of A costs a 2-way conflict, once per step.
// Double buffering, split-K and the epilogue as in simt_tiled (tiled_gemm.cuh). No ldmatrix (it
// moves 16-bit elements) and no cp.async: the gather's padding and stride checks happen in
// registers.
// Measured: not yet (written without a GPU; bench_kernels times it against cuDNN TF32,
// docs/kernels.md).
#include <cstdint>

#include "kernels/cuda/conv/tiled_gemm.cuh"

namespace ganlite::cuda::conv {
namespace {

constexpr int BM = 128, BN = 128, BK = 16, kLd = 136;

__device__ inline uint32_t to_tf32(float v) {
  uint32_t r;
  asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(v));
  return r;
}

// d += a @ b for one 16 x 8 x 8 tile, the fragments in the layout above.
__device__ inline void mma_tf32(float (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
  asm volatile(
      "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, "
      "{%8,%9}, {%0,%1,%2,%3};\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

// Two blocks per SM: ptxas fits the kernel in 128 registers without spilling (164-169 without
// the bound, one block per SM).
template <class Ops>
__global__ void __launch_bounds__(kTiledThreads, 2) mma_kernel(Ops ops, int chunk, float* partial) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  __shared__ uint32_t as[2][BK * kLd];
  __shared__ uint32_t bs[2][BK * kLd];
  const int m0 = blockIdx.y * BM, n0 = blockIdx.x * BN;
  const int kbeg = blockIdx.z * chunk, kend = min(ops.kd(), kbeg + chunk);
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  const int g = lane / 4, t = lane % 4;
  const int wm = warp / 4 * 64, wn = warp % 4 * 32;

  Stager<Ops, BM, BN, BK> stage(ops, m0, n0);
  stage.fetch(ops, kbeg, kend);
  const auto tf32 = [](float v) { return to_tf32(v); };
  stage.stash(as[0], kLd, bs[0], kLd, tf32);
  __syncthreads();

  float acc[4][4][4] = {};
  int buf = 0;
  for (int k0 = kbeg; k0 < kend; k0 += BK) {
    const bool more = k0 + BK < kend;
    if (more) stage.fetch(ops, k0 + BK, kend);
#pragma unroll
    for (int kb = 0; kb < BK; kb += 8) {
      const uint32_t* a_lo = as[buf] + (kb + t) * kLd + wm + g;
      const uint32_t* a_hi = a_lo + 4 * kLd;
      const uint32_t* b_lo = bs[buf] + (kb + t) * kLd + wn + g;
      const uint32_t* b_hi = b_lo + 4 * kLd;
      uint32_t af[4][4], bf[4][2];
#pragma unroll
      for (int i = 0; i < 4; ++i) {
        af[i][0] = a_lo[16 * i];
        af[i][1] = a_lo[16 * i + 8];
        af[i][2] = a_hi[16 * i];
        af[i][3] = a_hi[16 * i + 8];
      }
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        bf[j][0] = b_lo[8 * j];
        bf[j][1] = b_hi[8 * j];
      }
#pragma unroll
      for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j) mma_tf32(acc[i][j], af[i], bf[j]);
    }
    // The other buffer was last read in the previous step, which the barrier below closed.
    if (more) stage.stash(as[buf ^ 1], kLd, bs[buf ^ 1], kLd, tf32);
    __syncthreads();
    buf ^= 1;
  }

#pragma unroll
  for (int i = 0; i < 4; ++i)
#pragma unroll
    for (int j = 0; j < 4; ++j)
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        const int m = m0 + wm + 16 * i + g + 8 * (e / 2), n = n0 + wn + 8 * j + 2 * t + e % 2;
        if (m < ops.m() && n < ops.n()) put(ops, partial, m, n, acc[i][j][e]);
      }
#else
  __trap();  // supports() keeps devices without TF32 mma away
#endif
}

struct Tiling {
  static constexpr const char* name = "tf32_mma";
  static constexpr int BM = conv::BM, BN = conv::BN, BK = conv::BK;
  template <class Ops>
  static TiledKernel<Ops> kernel() {
    return &mma_kernel<Ops>;
  }
};
using E = TiledEntries<Tiling>;

bool supports(const ConvShape& cs) {
  static const bool has_mma = device_info(0).major >= 8;
  return has_mma && cs.groups == 1 && fits32(cs);
}

}  // namespace

const Version& tf32_mma() {
  static const Version v{"tf32_mma", supports, {E::fprop, E::dgrad, E::wgrad}, {}, E::fprop_fused};
  return v;
}

}  // namespace ganlite::cuda::conv
