// Float32 conv forward as a GEMM on our own AVX2/FMA micro-kernel: Y (K, P*Q) = W (K, C*R*S) @
// col (C*R*S, P*Q) + bias per image, with col never materialised (BLIS blocking, im2col fused
// into the packing of B as in Anderson et al. 2017, "Low-memory GEMM-based convolution").
//
// Register tile 6x16 (MR = 6 output channels, NR = 16 pixels): 12 ymm accumulators, 2 ymm of B
// and 1 broadcast of A use 15 of the 16 ymm registers. Per k step it issues 12 FMAs (6 cycles on
// Zen 3's two FMA pipes, more than the 4-cycle FMA latency times the 2 pipes / 12 chains needs)
// against 2 loads of B and 6 broadcast loads of A, well under the 3 loads per cycle. Pixels are
// the 16-wide dimension because y is channel-major: a row of the tile is two contiguous stores,
// and a B panel row is 16 neighbouring output pixels, i.e. one stretch of an input row (two
// unaligned loads at stride 1, two loads and a shuffle per 8 at stride 2). 8x8 (8 accumulators)
// is too few for the FMA latency and 4x24 would cut the 16-, 32- and 64-pixel rows of GAN layers.
//
// Blocking (32 KiB L1d, 512 KiB L2 per core):
//   * W is packed once per call into 6-row panels, k-block by k-block (KC = 256): the block
//     of all K rows is K*KC*4 bytes (256 KiB for K = 256), which stays in L2 while a thread
//     sweeps it over the NC = 128 pixels of one work item; the threads share the packed copy.
//   * A B panel (KC x 16 floats = 16 KiB) is packed into L1 straight from the image just
//     before use and then multiplied with every 6-row panel of W, so the patches are read from
//     x exactly once per call and col is never written.
//   * The output block (K x NC, 128 KiB) is re-read from L2 once per k-block; the first
//     k-block writes bias + product, the later ones add.
// Threads take work items (image, block of NC output pixels) dynamically; rows beyond K and
// pixels beyond P*Q in the last panels are zero-padded in the packs and not written back.
//
// Prediction (before tuning), cyclegan layer (x 1x256x64x64, w 256x256x3x3, pad 1): 4.83 GFLOP.
// Peak is 2 FMA x 8 lanes x 2 FLOP = 32 FLOP/cycle/core, 2 cores at ~2.5-3.5 GHz = 160-224
// GFLOP/s. A 6x16 kernel fed from L1/L2 should sustain ~85 % of that, minus ~1 % for the 258/256
// padded rows and a few % for packing: ~135-185 GFLOP/s, i.e. 26-36 ms against OpenBLAS's
// 32.4 ms (149 GFLOP/s) and PyTorch's 29.5 ms in the quiet minute of docs/results/cpu.md.
//
// Outcome (2026-11-23, the 2-vCPU Zen 3 KVM guest of docs/results/cpu.md, GCC 12 -O2
// -march=native, OMP_NUM_THREADS=2): wall-clock results are mixed on this noisy guest, but in
// user-mode cycles per forward (perf stat, the steadiest measure here) it is the cheapest path:
// cyclegan ~220 Mcycles vs 237-308 for OpenBLAS and 241-267 for PyTorch, so it is the default
// (GANLITE_CONV_CPU=blas forces OpenBLAS; kernels/cpu/conv.h).
//   * The micro-kernel alone, all in L1, one core: 61-85 GFLOP/s against 100-130 for a
//     register-only FMA loop in the same process, i.e. ~65 % of peak, not the ~85 % predicted.
//     Every variant tried stalled at the same rate (4x24, 4x16, 8x8, B as FMA memory operands,
//     A pre-broadcast in memory, A by vbroadcastf128 + vpermilps): each vector load or
//     broadcast costs ~1.2-1.6 cycles here, while 2 loads per 12 FMAs run at full peak.
//     OpenBLAS's kernel is bound the same way (its SGEMM reaches the same GFLOP/s).
//   * Whole layer, `GANLITE_CONV_CPU=avx2|blas build/bin/bench_conv_cpu --reps 10 --json` and
//     `/usr/bin/python3 benchmarks/torch_conv_cpu.py --reps 10 --json`, 6 interleaved rounds:
//     cyclegan fwd 33.3-46.5 ms (avx2) vs 36.0-54.3 (OpenBLAS) vs 36.2-53.7 (PyTorch); avx2 was
//     faster than OpenBLAS in 4 of 6 rounds (per-round ratio 0.71-1.14, median ~0.87) and no
//     slower than PyTorch in any (0.87-1.00). dcgan fwd: avx2/OpenBLAS 0.84-1.01.
//   * A forward-only loop (the same kernels called back to back, 5 rounds, best time) showed
//     no gain on cyclegan: 33.2-34.0 ms avx2 vs 30.9 OpenBLAS; dcgan 33.8 vs 34.0.
//   Tuning steps that did measure: keeping acc[][] in registers (every index a constant; GCC
//   had kept it on the stack: 4x slower), packing the whole KC x NC block row by row instead of
//   panel by panel (x read along its rows: packing 11 % -> 9 % of cycles) and masked loads for
//   the padded panel edges (9 % -> 7 %). KC/NC of 128-512 / 64-256 did not differ beyond noise.
#include "kernels/cpu/conv_avx2.h"

#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define GANLITE_CONV_AVX2 1
#endif

namespace ganlite::cpu::avx2 {

#ifdef GANLITE_CONV_AVX2
namespace {

constexpr int kMR = 6;        // output channels per register tile
constexpr int kNR = 16;       // pixels per register tile
constexpr int64_t kKC = 256;  // k-block: rows of col per packed panel
constexpr int64_t kNC = 128;  // pixels per work item (a multiple of kNR)

// Packed W: k-block by k-block (starting at k0, kc rows), each block Mp*kc floats holding the
// 6-row panels one after the other, each kc x 6 (k-major). Rows beyond K are zero.
void pack_weights(const ConvShape& cs, const float* w, int64_t crs, int64_t mp, float* out) {
  const int64_t panels = mp / kMR, blocks = (crs + kKC - 1) / kKC;
#pragma omp for collapse(2) schedule(static)
  for (int64_t kb = 0; kb < blocks; ++kb)
    for (int64_t ir = 0; ir < panels; ++ir) {
      const int64_t k0 = kb * kKC, kc = std::min(kKC, crs - k0);
      float* dst = out + k0 * mp + ir * kMR * kc;
      for (int i = 0; i < kMR; ++i) {
        const int64_t row = ir * kMR + i;
        if (row >= cs.k) {
          for (int64_t t = 0; t < kc; ++t) dst[t * kMR + i] = 0.f;
          continue;
        }
        const float* src = w + row * crs + k0;
        for (int64_t t = 0; t < kc; ++t) dst[t * kMR + i] = src[t];
      }
    }
}

// out[u] = in[2u] for u in [0, 16), reading in[0 .. 30] only.
inline void gather16_stride2(const float* in, float* out) {
  const __m256 a0 = _mm256_loadu_ps(in), a1 = _mm256_loadu_ps(in + 8);
  const __m256 b0 = _mm256_loadu_ps(in + 16), b1 = _mm256_loadu_ps(in + 23);
  // Per 128-bit lane: (a0[0], a0[2], a1[0], a1[2]); then the 64-bit pairs are put in order.
  const __m256 lo = _mm256_shuffle_ps(a0, a1, _MM_SHUFFLE(2, 0, 2, 0));
  // b1 starts at in[23], so in[24], in[26], ... are its odd elements.
  const __m256 hi = _mm256_shuffle_ps(b0, b1, _MM_SHUFFLE(3, 1, 2, 0));
  _mm256_store_ps(out, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(lo), 0xd8)));
  _mm256_store_ps(out + 8, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(hi), 0xd8)));
}

// Packs rows [k0, k0 + kc) of col for the output pixels [j0, j1) of one image into 16-pixel
// panels, panel b at out + b*kc*16, each kc x 16 (row t at 16*t), pixels beyond j1 zero. Rows
// go outermost so that x is read along its rows (the panels of a row are neighbours in x).
class BlockPacker {
 public:
  explicit BlockPacker(const ConvShape& c) : cs_(c), hw_(c.h * c.w) {}

  // Per work item: where each panel's pixels read x.
  void setup(int64_t j0, int64_t j1) {
    panels_.clear();
    lo_.clear();
    hi_.clear();
    masks_.clear();
    ih0_.clear();
    iw0_.clear();
    for (int64_t j = j0; j < j1; j += kNR) {
      Panel pn;
      pn.nv = static_cast<int>(std::min<int64_t>(kNR, j1 - j));
      const int64_t q0 = j % cs_.q;
      // All nv pixels in output row j/Q: each panel row is a stretch of one input row.
      pn.run = q0 + pn.nv <= cs_.q;
      pn.ihb = j / cs_.q * cs_.stride_h - cs_.pad_h;
      pn.iwb = q0 * cs_.stride_w - cs_.pad_w;
      pn.first = static_cast<int>(ih0_.size());
      if (pn.run) {
        for (int64_t s = 0; s < cs_.s; ++s) {
          const int64_t iw = pn.iwb + s * cs_.dil_w, sw = cs_.stride_w;
          int64_t l = iw >= 0 ? 0 : (-iw + sw - 1) / sw;
          int64_t h = iw > cs_.w - 1 ? 0 : (cs_.w - 1 - iw) / sw + 1;
          h = std::min<int64_t>(h, pn.nv);
          lo_.push_back(static_cast<int>(std::min(l, h)));
          hi_.push_back(static_cast<int>(h));
          // Lanes [lo, hi) of the two 8-float halves: maskload reads only those (no fault at
          // the tensor's edges) and zeroes the rest, i.e. the padding.
          Mask m;
          for (int u = 0; u < kNR; ++u) m.lane[u] = (u >= lo_.back() && u < hi_.back()) ? -1 : 0;
          masks_.push_back(m);
        }
      } else {
        for (int u = 0; u < pn.nv; ++u) {
          ih0_.push_back((j + u) / cs_.q * cs_.stride_h - cs_.pad_h);
          iw0_.push_back((j + u) % cs_.q * cs_.stride_w - cs_.pad_w);
        }
      }
      panels_.push_back(pn);
    }
  }

  void pack(const float* xn, int64_t k0, int64_t kc, float* out) const {
    const int64_t rs = cs_.r * cs_.s, np = static_cast<int64_t>(panels_.size());
    int64_t c = k0 / rs, r = k0 % rs / cs_.s, s = k0 % cs_.s;
    for (int64_t t = 0; t < kc; ++t) {
      const float* plane = xn + c * hw_;
      const int64_t dh = r * cs_.dil_h, dw = s * cs_.dil_w;
      int run = 0;  // index of the panel's (lo, hi) pair among the row-run panels
      for (int64_t b = 0; b < np; ++b) {
        const Panel& pn = panels_[b];
        float* o = out + (b * kc + t) * kNR;
        if (!pn.run) {
          for (int u = 0; u < pn.nv; ++u) {
            const int64_t ih = ih0_[pn.first + u] + dh, iw = iw0_[pn.first + u] + dw;
            o[u] = (ih >= 0 && ih < cs_.h && iw >= 0 && iw < cs_.w) ? plane[ih * cs_.w + iw] : 0.f;
          }
          for (int u = pn.nv; u < kNR; ++u) o[u] = 0.f;
          continue;
        }
        const int l = lo_[run * cs_.s + s], h = hi_[run * cs_.s + s];
        ++run;
        const int64_t ih = pn.ihb + dh;
        if (ih < 0 || ih >= cs_.h) {
          _mm256_store_ps(o, _mm256_setzero_ps());
          _mm256_store_ps(o + 8, _mm256_setzero_ps());
          continue;
        }
        const float* src = plane + ih * cs_.w + pn.iwb + dw;
        if (l == 0 && h == kNR && cs_.stride_w == 1) {
          _mm256_store_ps(o, _mm256_loadu_ps(src));
          _mm256_store_ps(o + 8, _mm256_loadu_ps(src + 8));
        } else if (l == 0 && h == kNR && cs_.stride_w == 2) {
          gather16_stride2(src, o);
        } else if (cs_.stride_w == 1) {
          const Mask& m = masks_[(run - 1) * cs_.s + s];
          const __m256i m0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(m.lane));
          const __m256i m1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(m.lane + 8));
          _mm256_store_ps(o, _mm256_maskload_ps(src, m0));
          _mm256_store_ps(o + 8, _mm256_maskload_ps(src + 8, m1));
        } else {
          for (int u = 0; u < l; ++u) o[u] = 0.f;
          for (int u = l; u < h; ++u) o[u] = src[u * cs_.stride_w];
          for (int u = h; u < kNR; ++u) o[u] = 0.f;
        }
      }
      if (++s == cs_.s) {
        s = 0;
        if (++r == cs_.r) r = 0, ++c;
      }
    }
  }

 private:
  struct Panel {
    bool run;
    int nv, first;
    int64_t ihb, iwb;
  };
  const ConvShape& cs_;
  int64_t hw_;
  std::vector<Panel> panels_;
  struct alignas(32) Mask {
    int32_t lane[kNR];
  };
  std::vector<int> lo_, hi_;        // per row-run panel and filter column s: the valid pixels
  std::vector<Mask> masks_;         // the same as lane masks
  std::vector<int64_t> ih0_, iw0_;  // per pixel of the other panels: its window's corner
};

// c (kRows x nv, row stride ldc) = [c +] a (kc x 6 packed) @ b (kc x 16 packed) [+ bias].
// accumulate: add onto c (a later k-block); else start from bias (or zero).
template <int kRows>
void micro_kernel(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, int nv,
                  bool accumulate, const float* bias) {
  __m256 acc[kRows][2];
#pragma GCC unroll 6
  for (int i = 0; i < kRows; ++i) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
#pragma GCC unroll 4
  for (int64_t t = 0; t < kc; ++t) {
    const __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
#pragma GCC unroll 6
    for (int i = 0; i < kRows; ++i) {
      const __m256 ai = _mm256_broadcast_ss(a + i);
      acc[i][0] = _mm256_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(ai, b1, acc[i][1]);
    }
    a += kMR;
    b += kNR;
  }
  if (nv == kNR) {
#pragma GCC unroll 6
    for (int i = 0; i < kRows; ++i) {
      float* ci = c + i * ldc;
      __m256 v0 = acc[i][0], v1 = acc[i][1];
      if (accumulate) {
        v0 = _mm256_add_ps(v0, _mm256_loadu_ps(ci));
        v1 = _mm256_add_ps(v1, _mm256_loadu_ps(ci + 8));
      } else if (bias) {
        const __m256 bi = _mm256_broadcast_ss(bias + i);
        v0 = _mm256_add_ps(v0, bi);
        v1 = _mm256_add_ps(v1, bi);
      }
      _mm256_storeu_ps(ci, v0);
      _mm256_storeu_ps(ci + 8, v1);
    }
    return;
  }
  // Every index into acc must be a constant (fully unrolled loops), or GCC keeps acc in memory.
  alignas(32) float tmp[kRows][kNR];
#pragma GCC unroll 6
  for (int i = 0; i < kRows; ++i) {
    _mm256_store_ps(tmp[i], acc[i][0]);
    _mm256_store_ps(tmp[i] + 8, acc[i][1]);
  }
  for (int i = 0; i < kRows; ++i) {
    float* ci = c + i * ldc;
    const float add = bias && !accumulate ? bias[i] : 0.f;
    for (int u = 0; u < nv; ++u) ci[u] = (accumulate ? ci[u] : add) + tmp[i][u];
  }
}

using Kernel = void (*)(int64_t, const float*, const float*, float*, int64_t, int, bool,
                        const float*);
constexpr Kernel kKernels[kMR + 1] = {nullptr,         micro_kernel<1>, micro_kernel<2>,
                                      micro_kernel<3>, micro_kernel<4>, micro_kernel<5>,
                                      micro_kernel<6>};

// Shared between calls: the packed weights (a few MB) are page-faulted once, not per call.
std::vector<float>& packed_weights() {
  static std::vector<float> buf;
  return buf;
}

}  // namespace

bool supports(const ConvShape& cs) {
  return cs.groups == 1;
}

void conv_fprop(const ConvShape& cs, const float* x, const float* w, const float* bias, float* y) {
  const int64_t crs = cs.c * cs.r * cs.s, pq = cs.p * cs.q;
  const int64_t panels = (cs.k + kMR - 1) / kMR, mp = panels * kMR;
  std::vector<float>& ap = packed_weights();
  if (static_cast<int64_t>(ap.size()) < mp * crs) {
    ap = std::vector<float>();
    ap.resize(mp * crs);
  }
  float* apack = ap.data();
  // Small images at small batch give fewer (image, pixel block) items than threads: the weight
  // panels are then split as well, each part packing its own copy of the small B block. Every
  // output is still summed in the same k-block order, so the split does not change the bits.
  const int64_t chunks = (pq + kNC - 1) / kNC, blocks = cs.n * chunks;
  const int64_t parts =
      std::clamp<int64_t>((2 * omp_get_max_threads() + blocks - 1) / blocks, 1, panels);
  const int64_t items = blocks * parts;
#pragma omp parallel
  {
    pack_weights(cs, w, crs, mp, apack);  // ends with the omp for's barrier
    BlockPacker packer(cs);
    // Per thread, kept between calls: a fresh block would be page-faulted on every call.
    // Over-allocated by 64 bytes and aligned by hand: the kernel's loads of B are aligned.
    thread_local std::vector<float> bbuf;
    if (bbuf.size() < static_cast<size_t>(kKC * kNC + 16)) bbuf.resize(kKC * kNC + 16);
    float* bblk = bbuf.data() + (16 - reinterpret_cast<uintptr_t>(bbuf.data()) / 4 % 16) % 16;
#pragma omp for schedule(dynamic, 1)
    for (int64_t it = 0; it < items; ++it) {
      const int64_t part = it % parts, block = it / parts;
      const int64_t ir0 = part * panels / parts, ir1 = (part + 1) * panels / parts;
      const int64_t n = block / chunks, j0 = block % chunks * kNC, j1 = std::min(pq, j0 + kNC);
      const float* xn = x + n * cs.c * cs.h * cs.w;
      float* yn = y + n * cs.k * pq;
      packer.setup(j0, j1);
      for (int64_t k0 = 0; k0 < crs; k0 += kKC) {
        const int64_t kc = std::min(kKC, crs - k0);
        const float* ablk = apack + k0 * mp;
        packer.pack(xn, k0, kc, bblk);
        for (int64_t j = j0; j < j1; j += kNR) {
          const int nv = static_cast<int>(std::min<int64_t>(kNR, j1 - j));
          const float* bp = bblk + (j - j0) * kc;
          for (int64_t ir = ir0; ir < ir1; ++ir) {
            const int rows = static_cast<int>(std::min<int64_t>(kMR, cs.k - ir * kMR));
            kKernels[rows](kc, ablk + ir * kMR * kc, bp, yn + ir * kMR * pq + j, pq, nv, k0 > 0,
                           bias ? bias + ir * kMR : nullptr);
          }
        }
      }
    }
  }
}

#else  // no AVX2/FMA in this build: the OpenBLAS path runs everything.

bool supports(const ConvShape&) {
  return false;
}

void conv_fprop(const ConvShape&, const float*, const float*, const float*, float*) {}

#endif

}  // namespace ganlite::cpu::avx2
