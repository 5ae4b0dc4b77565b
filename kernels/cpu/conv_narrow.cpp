// Convolutions with at most four output channels (see conv_narrow.h).
//
// fprop and dgrad are one kernel, a correlation of zero-bordered planes with packed filters:
//   out[o, p, q] = sum over i, r, s of wt[o, i, r, s] * in[i, p + r, q + s]
// fprop: in = x bordered by the padding, o = k, wt = w. dgrad (stride 1): in = dy bordered by
// R-1-pad rows and S-1-pad columns, o = c, i = k, wt[c, k, r, s] = w[k, c, R-1-r, S-1-s].
// A register tile is OB output channels x QB vectors of 8 pixels of one output row: per tap it
// loads QB vectors (unaligned, at column q + s) and broadcasts OB weights, then issues OB*QB
// FMAs. (OB, QB) = (1..3, 4) and (4, 3) keep OB*QB + min(OB, QB) + 1 <= 16 ymm registers. The
// bordered planes are wide enough that the last tile of a row may read past the image; those
// lanes are computed and dropped.
// wgrad sums, for one (c, r) and all K filters, dy[k, p, q] * x[c, p + r, q + s] over images,
// rows and 8-pixel vectors: K*SB accumulators for a block of SB taps s, K + SB loads per K*SB
// FMAs, then one horizontal sum per weight. dy is copied into rows padded with zeros to a
// multiple of 8, so the lanes past Q add nothing.
//
// Prediction (student's output conv g_out, 16 -> 3, 7x7 on 262x262, 154 MMAC per pass; patch5,
// 512 -> 1, 4x4 on 31x31, 7.4 MMAC): K = 3 fills 12 of the 12 accumulator slots, so the tile
// is FMA-bound at 2 FMAs per cycle, ~70 % of peak after the tap loop's loads and the bordering
// copies: 154 MMAC at ~22 GMAC/s per core x 2 is ~3.5 ms per pass, against 8.4 ms (fprop) and
// 33 ms (dgrad + wgrad) on the GEMM paths and PyTorch's 10.9 / 12.2 ms. K = 1 is load-bound
// (4 loads + 1 broadcast per 4 FMAs): patch5 ~0.2-0.4 ms per pass against 3.6 / 5.7 ms.
// Outcome (2026-11-23, bench_conv_cpu, 2 threads): g_out 3.3-3.5 ms forward (~90 GFLOP/s),
// 7.3-7.5 ms for both backward passes; patch5 0.5-0.7 ms forward, 0.7-1.1 ms backward. The
// first build kept the accumulator arrays in memory (GCC at -O2 does not fully unroll the o/j
// loops without `#pragma GCC unroll`): 21 ms for the g_out input gradient. Tables:
// docs/results/cpu.md, "session 7".
#include "kernels/cpu/conv_narrow.h"

#include <algorithm>

#include "kernels/cpu/bordered.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define GANLITE_CONV_NARROW 1
#endif

namespace ganlite::cpu::narrow {

#ifdef GANLITE_CONV_NARROW
namespace {

constexpr int64_t kMaxK = 4;
constexpr int64_t kLanes = 8;

// Row length of a bordered plane whose correlation output rows are `out_w` wide, for an S-tap
// filter: room for the last tile's overhang (at most 8*4 - 1 pixels) and the last tap block.
int64_t bordered_ld(int64_t out_w, int64_t s) {
  return round_up(out_w + s + 40, kLanes);
}

// Filters packed per block of ob output channels: wp[b][t][o] = get(b*ob + o, t) for the taps
// t = (i*R + r)*S + s, zero past the last channel.
template <class Get>
void pack(int64_t no, int64_t taps, int64_t ob, Get get, float* wp) {
  for (int64_t o0 = 0; o0 < no; o0 += ob)
    for (int64_t t = 0; t < taps; ++t)
      for (int64_t o = 0; o < ob; ++o) *wp++ = o0 + o < no ? get(o0 + o, t) : 0.f;
}

// Register tiles of accumulators, unrolled so that they stay in registers.
template <int A, int B>
inline void zero(__m256 (&acc)[A][B]) {
#pragma GCC unroll 4
  for (int a = 0; a < A; ++a)
#pragma GCC unroll 4
    for (int b = 0; b < B; ++b) acc[a][b] = _mm256_setzero_ps();
}

// res[o*8*QB + j] = sum over i < ni, r < R, s < S of wp[((i*R + r)*S + s)*OB + o] *
// in[i*plane + r*ld + s + j]: OB channels x 8*QB pixels of one output row.
template <int OB, int QB>
void correlate_tile(const float* in, int64_t plane, int64_t ld, int64_t ni, int64_t R, int64_t S,
                    const float* wp, float* res) {
  __m256 acc[OB][QB];
  zero(acc);
  for (int64_t i = 0; i < ni; ++i)
    for (int64_t r = 0; r < R; ++r) {
      const float* row = in + i * plane + r * ld;
      for (int64_t s = 0; s < S; ++s, wp += OB) {
        if constexpr (OB <= QB) {
          // Broadcasts first: OB + 1 live registers beside the accumulators.
          __m256 wv[OB];
#pragma GCC unroll 4
          for (int o = 0; o < OB; ++o) wv[o] = _mm256_broadcast_ss(wp + o);
#pragma GCC unroll 4
          for (int j = 0; j < QB; ++j) {
            const __m256 v = _mm256_loadu_ps(row + s + kLanes * j);
#pragma GCC unroll 4
            for (int o = 0; o < OB; ++o) acc[o][j] = _mm256_fmadd_ps(wv[o], v, acc[o][j]);
          }
        } else {
          // Pixels first: QB + 1 live registers.
          __m256 v[QB];
#pragma GCC unroll 4
          for (int j = 0; j < QB; ++j) v[j] = _mm256_loadu_ps(row + s + kLanes * j);
#pragma GCC unroll 4
          for (int o = 0; o < OB; ++o) {
            const __m256 wv = _mm256_broadcast_ss(wp + o);
#pragma GCC unroll 4
            for (int j = 0; j < QB; ++j) acc[o][j] = _mm256_fmadd_ps(wv, v[j], acc[o][j]);
          }
        }
      }
    }
#pragma GCC unroll 4
  for (int o = 0; o < OB; ++o)
#pragma GCC unroll 4
    for (int j = 0; j < QB; ++j) _mm256_storeu_ps(res + (o * QB + j) * kLanes, acc[o][j]);
}

// out (n, no, ho, wo) = the correlation of the bordered planes `in` (n x ni planes of rows x ld)
// with wp packed in blocks of OB channels, plus bias[o] when bias is not null.
template <int OB>
void correlate(const float* in, int64_t n, int64_t ni, int64_t rows, int64_t ld, int64_t R,
               int64_t S, const float* wp, int64_t no, const float* bias, float* out, int64_t ho,
               int64_t wo) {
  constexpr int QB = OB == 4 ? 3 : 4;
  constexpr int64_t kWidth = kLanes * QB;
  const int64_t blocks = (no + OB - 1) / OB, taps = ni * R * S, plane = rows * ld;
#pragma omp parallel for collapse(3) schedule(static)
  for (int64_t img = 0; img < n; ++img)
    for (int64_t b = 0; b < blocks; ++b)
      for (int64_t p = 0; p < ho; ++p) {
        alignas(32) float res[OB * kWidth];
        const int64_t o0 = b * OB, nb = std::min<int64_t>(OB, no - o0);
        for (int64_t q0 = 0; q0 < wo; q0 += kWidth) {
          correlate_tile<OB, QB>(in + img * ni * plane + p * ld + q0, plane, ld, ni, R, S,
                                 wp + b * taps * OB, res);
          const int64_t len = std::min(kWidth, wo - q0);
          for (int64_t o = 0; o < nb; ++o) {
            float* dst = out + ((img * no + o0 + o) * ho + p) * wo + q0;
            const float add = bias ? bias[o0 + o] : 0.f;
            for (int64_t j = 0; j < len; ++j) dst[j] = res[o * kWidth + j] + add;
          }
        }
      }
}

// Packs the filter through get (see pack) in blocks of min(no, 4) channels and correlates.
template <class Get>
void correlate_packed(const float* in, int64_t n, int64_t ni, int64_t rows, int64_t ld, int64_t R,
                      int64_t S, Get get, int64_t no, const float* bias, float* out, int64_t ho,
                      int64_t wo) {
  const int64_t ob = std::min(no, kMaxK), taps = ni * R * S;
  Buffer wp(round_up(no, ob) * taps);
  pack(no, taps, ob, get, wp.get());
  switch (ob) {
    case 1:
      return correlate<1>(in, n, ni, rows, ld, R, S, wp.get(), no, bias, out, ho, wo);
    case 2:
      return correlate<2>(in, n, ni, rows, ld, R, S, wp.get(), no, bias, out, ho, wo);
    case 3:
      return correlate<3>(in, n, ni, rows, ld, R, S, wp.get(), no, bias, out, ho, wo);
    default:
      return correlate<4>(in, n, ni, rows, ld, R, S, wp.get(), no, bias, out, ho, wo);
  }
}

float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}

// dw[k, c, r, s] for all k < KB = K and s < S at one (c, r). x: the bordered plane of channel c
// in image 0 at row r (images x_img apart); dy: the zero-padded rows of image 0, filter 0 (rows
// ldq apart, filters P*ldq apart, images KB*P*ldq apart).
template <int KB>
void wgrad_taps(const float* x, int64_t x_img, int64_t ld, const float* dy, int64_t ldq, int64_t n,
                int64_t P, int64_t S, float* dw, int64_t dw_k) {
  constexpr int SB = KB == 4 ? 2 : 4;
  const int64_t dy_k = P * ldq;
  for (int64_t s0 = 0; s0 < S; s0 += SB) {
    __m256 acc[KB][SB];
    zero(acc);
    for (int64_t img = 0; img < n; ++img)
      for (int64_t p = 0; p < P; ++p) {
        const float* xr = x + img * x_img + p * ld + s0;
        const float* dr = dy + img * KB * dy_k + p * ldq;
        for (int64_t q = 0; q < ldq; q += kLanes) {
          __m256 d[KB];
#pragma GCC unroll 4
          for (int k = 0; k < KB; ++k) d[k] = _mm256_loadu_ps(dr + k * dy_k + q);
#pragma GCC unroll 4
          for (int s = 0; s < SB; ++s) {
            const __m256 xv = _mm256_loadu_ps(xr + q + s);
#pragma GCC unroll 4
            for (int k = 0; k < KB; ++k) acc[k][s] = _mm256_fmadd_ps(d[k], xv, acc[k][s]);
          }
        }
      }
#pragma GCC unroll 4
    for (int k = 0; k < KB; ++k)
      for (int64_t s = 0; s < std::min<int64_t>(SB, S - s0); ++s)
        dw[k * dw_k + s0 + s] = hsum(acc[k][s]);
  }
}

template <int KB>
void wgrad_all(const ConvShape& cs, const float* xb, int64_t rows, int64_t ld, const float* dyp,
               int64_t ldq, float* dw) {
  const int64_t plane = rows * ld, crs = cs.c * cs.r * cs.s;
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t c = 0; c < cs.c; ++c)
    for (int64_t r = 0; r < cs.r; ++r)
      wgrad_taps<KB>(xb + c * plane + r * ld, cs.c * plane, ld, dyp, ldq, cs.n, cs.p, cs.s,
                     dw + (c * cs.r + r) * cs.s, crs);
}

}  // namespace

bool applies(const ConvShape& cs) {
  return cs.groups == 1 && cs.k <= kMaxK && cs.stride_h == 1 && cs.stride_w == 1 && cs.dil_h == 1 &&
         cs.dil_w == 1 && cs.q >= kLanes && cs.pad_h < cs.r && cs.pad_w < cs.s &&
         conv_mode() != ConvMode::blas;
}

void fprop(const ConvShape& cs, const float* x, const float* w, const float* bias, float* y) {
  const int64_t rows = cs.h + 2 * cs.pad_h, ld = bordered_ld(cs.q, cs.s), crs = cs.c * cs.r * cs.s;
  Buffer xb(cs.n * cs.c * rows * ld);
  border(x, cs.n * cs.c, cs.h, cs.w, cs.pad_h, cs.pad_w, rows, ld, xb.get());
  correlate_packed(
      xb.get(), cs.n, cs.c, rows, ld, cs.r, cs.s,
      [&](int64_t k, int64_t t) { return w[k * crs + t]; }, cs.k, bias, y, cs.p, cs.q);
}

void dgrad(const ConvShape& cs, const float* dy, const float* w, float* dx) {
  const int64_t top = cs.r - 1 - cs.pad_h, left = cs.s - 1 - cs.pad_w;
  const int64_t rows = cs.p + 2 * top, ld = bordered_ld(cs.w, cs.s), rs = cs.r * cs.s;
  Buffer db(cs.n * cs.k * rows * ld);
  border(dy, cs.n * cs.k, cs.p, cs.q, top, left, rows, ld, db.get());
  // Tap t = (k*R + r)*S + s of input channel c reads w[k, c, R-1-r, S-1-s].
  correlate_packed(
      db.get(), cs.n, cs.k, rows, ld, cs.r, cs.s,
      [&](int64_t c, int64_t t) {
        const int64_t k = t / rs, flip = rs - 1 - t % rs;
        return w[(k * cs.c + c) * rs + flip];
      },
      cs.c, nullptr, dx, cs.h, cs.w);
}

void wgrad(const ConvShape& cs, const float* x, const float* dy, float* dw) {
  const int64_t rows = cs.h + 2 * cs.pad_h, ld = bordered_ld(cs.q, cs.s);
  const int64_t ldq = round_up(cs.q, kLanes);
  Buffer xb(cs.n * cs.c * rows * ld), dyp(cs.n * cs.k * cs.p * ldq);
  border(x, cs.n * cs.c, cs.h, cs.w, cs.pad_h, cs.pad_w, rows, ld, xb.get());
  border(dy, cs.n * cs.k, cs.p, cs.q, 0, 0, cs.p, ldq, dyp.get());
  switch (cs.k) {
    case 1:
      return wgrad_all<1>(cs, xb.get(), rows, ld, dyp.get(), ldq, dw);
    case 2:
      return wgrad_all<2>(cs, xb.get(), rows, ld, dyp.get(), ldq, dw);
    case 3:
      return wgrad_all<3>(cs, xb.get(), rows, ld, dyp.get(), ldq, dw);
    default:
      return wgrad_all<4>(cs, xb.get(), rows, ld, dyp.get(), ldq, dw);
  }
}

#else  // no AVX2/FMA in this build: the GEMM paths run these shapes.

bool applies(const ConvShape&) {
  return false;
}
void fprop(const ConvShape&, const float*, const float*, const float*, float*) {}
void dgrad(const ConvShape&, const float*, const float*, float*) {}
void wgrad(const ConvShape&, const float*, const float*, float*) {}

#endif

}  // namespace ganlite::cpu::narrow
