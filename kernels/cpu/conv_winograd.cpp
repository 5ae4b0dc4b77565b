// Winograd F(2x2, 3x3) convolution (see conv_winograd.h), with the transforms of Lavin & Gray:
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]   (input tile d, 4x4)
//   G   = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]  (filter g, 3x3)
//   A^T = [1 1 1 0; 0 1 -1 -1]                       (2x2 output block)
// Filters are transformed once per call into U[xi] (K x C) for the 16 positions xi of the 4x4
// tile. The tiles of each image (one per 2x2 output block) are cut into work blocks of at most
// 128; a thread takes a block, transforms its input tiles into V[xi] (C x tiles), runs the
// 16 GEMMs M[xi] = U[xi] V[xi] on one OpenBLAS thread, and transforms M back into outputs. Each
// output is computed by one thread in a fixed order, so the bits do not depend on the thread count.
// The input is first copied into zero-bordered planes covering every tile's footprint, so the
// transforms run without bounds tests, vectorised across the tiles of a row.
//
// Prediction (CycleGAN residual conv, 256 -> 256 at 64x64, 2.42 GMAC direct): the 16 GEMMs are
// 1.07 GMAC at the ~75 GMAC/s OpenBLAS sustains on this 2-core host, ~14 ms; the transforms move
// 16*(C + K)*tiles floats through L2 per block, ~2-4 ms; total ~17-19 ms against ~30 ms for the
// AVX2 im2col-GEMM kernel (ratio ~0.6). Error: the transforms add a few roundings of values a few
// times larger than d and g, so results move by ~1e-6 relative against the direct sums.
// Outcome (2026-11-23, bench_conv_cpu, 2 threads): 20.1-20.8 ms (1.4x the AVX2 kernel's 28.3 ms;
// PyTorch 30.6 ms in the same interleaved run). perf over a whole bench run (its setup
// included): OpenBLAS's kernel and packing 44 % of the samples, the output / input / filter
// transforms 7 / 5 / 3 %. Against PyTorch's outputs
// the CycleGAN ResNet-9 differs by 6.6e-6 at most, 6.3e-6 before. Tables: docs/results/cpu.md,
// "session 7".
#include "kernels/cpu/conv_winograd.h"

#include <omp.h>

#include <algorithm>
#include <vector>

#include "kernels/cpu/bordered.h"
#include "kernels/cpu/gemm.h"

namespace ganlite::cpu::winograd {
namespace {

constexpr int64_t kMinChannels = 16;
constexpr int64_t kMaxTiles = 128;  // tiles per work block: V and M stay in L2

// Consecutive tiles of one tile row: image n, tile row ty, tiles tx0 .. tx0 + count - 1, at
// columns u0 .. of the work block's V and M.
struct Run {
  int64_t n, ty, tx0, count, u0;
};

// U[xi][o][i] = (G g G^T)[xi] for the filters g[t] = get(o, i, t), t = r*3 + s.
template <class Get>
void transform_filters(int64_t co, int64_t ci, Get get, float* u) {
  const int64_t stride = co * ci;
#pragma omp parallel for collapse(2) schedule(static) if (co * ci > 1024)
  for (int64_t o = 0; o < co; ++o)
    for (int64_t i = 0; i < ci; ++i) {
      float g[9], gg[4][3];  // gg = G g
      for (int t = 0; t < 9; ++t) g[t] = get(o, i, t);
      for (int s = 0; s < 3; ++s) {
        gg[0][s] = g[s];
        gg[1][s] = 0.5f * (g[s] + g[3 + s] + g[6 + s]);
        gg[2][s] = 0.5f * (g[s] - g[3 + s] + g[6 + s]);
        gg[3][s] = g[6 + s];
      }
      float* out = u + o * ci + i;
      for (int r = 0; r < 4; ++r) {
        out[(r * 4 + 0) * stride] = gg[r][0];
        out[(r * 4 + 1) * stride] = 0.5f * (gg[r][0] + gg[r][1] + gg[r][2]);
        out[(r * 4 + 2) * stride] = 0.5f * (gg[r][0] - gg[r][1] + gg[r][2]);
        out[(r * 4 + 3) * stride] = gg[r][2];
      }
    }
}

// V[xi][i][u] = (B^T d B)[xi] for each tile u of the runs, d its 4x4 footprint in the bordered
// planes xb (ci planes per image, rows x ld; tile (ty, tx) starts at row 2ty, column 2tx).
void transform_inputs(const float* xb, int64_t ci, int64_t rows, int64_t ld,
                      const std::vector<Run>& runs, int64_t tb, float* v) {
  const int64_t stride = ci * tb;
  for (const Run& run : runs)
    for (int64_t i = 0; i < ci; ++i) {
      const float* r0 = xb + ((run.n * ci + i) * rows + 2 * run.ty) * ld + 2 * run.tx0;
      const float *r1 = r0 + ld, *r2 = r1 + ld, *r3 = r2 + ld;
      float* out = v + i * tb + run.u0;
#pragma omp simd
      for (int64_t u = 0; u < run.count; ++u) {
        float t[4][4];  // B^T d
#pragma GCC unroll 4
        for (int j = 0; j < 4; ++j) {
          const float d0 = r0[2 * u + j], d1 = r1[2 * u + j], d2 = r2[2 * u + j],
                      d3 = r3[2 * u + j];
          t[0][j] = d0 - d2;
          t[1][j] = d1 + d2;
          t[2][j] = d2 - d1;
          t[3][j] = d1 - d3;
        }
#pragma GCC unroll 4
        for (int a = 0; a < 4; ++a) {
          out[(a * 4 + 0) * stride + u] = t[a][0] - t[a][2];
          out[(a * 4 + 1) * stride + u] = t[a][1] + t[a][2];
          out[(a * 4 + 2) * stride + u] = t[a][2] - t[a][1];
          out[(a * 4 + 3) * stride + u] = t[a][1] - t[a][3];
        }
      }
    }
}

// The 2x2 block (A^T m A) of tile u from M[xi][o][u] (rows `stride` apart): y[0..1] is its top
// row, y[2..3] its bottom row.
inline void output_block(const float* m, int64_t stride, int64_t u, float y[4]) {
  float s[2][4];  // A^T m
#pragma GCC unroll 4
  for (int j = 0; j < 4; ++j) {
    const float m0 = m[j * stride + u], m1 = m[(4 + j) * stride + u], m2 = m[(8 + j) * stride + u],
                m3 = m[(12 + j) * stride + u];
    s[0][j] = m0 + m1 + m2;
    s[1][j] = m1 - m2 - m3;
  }
  y[0] = s[0][0] + s[0][1] + s[0][2];
  y[1] = s[0][1] - s[0][2] - s[0][3];
  y[2] = s[1][0] + s[1][1] + s[1][2];
  y[3] = s[1][1] - s[1][2] - s[1][3];
}

// out[n][o][2ty + a][2tx + b] = (A^T m A)[a][b] + bias[o], for the outputs inside ho x wo.
void transform_outputs(const float* m, int64_t co, int64_t tb, const std::vector<Run>& runs,
                       const float* bias, float* out, int64_t ho, int64_t wo) {
  const int64_t stride = co * tb;
  float sink[2 * kMaxTiles];  // the bottom rows of tiles below an odd height
  for (const Run& run : runs) {
    // Tiles with both columns inside the image; an odd width leaves the last one half inside.
    const int64_t full = std::min(run.count, (wo - 2 * run.tx0) / 2);
    for (int64_t o = 0; o < co; ++o) {
      const float* mo = m + o * tb + run.u0;
      const float b = bias ? bias[o] : 0.f;
      float* y0 = out + ((run.n * co + o) * ho + 2 * run.ty) * wo + 2 * run.tx0;
      float* y1 = 2 * run.ty + 1 < ho ? y0 + wo : sink;
#pragma omp simd
      for (int64_t u = 0; u < full; ++u) {
        float y[4];
        output_block(mo, stride, u, y);
        y0[2 * u] = y[0] + b;
        y0[2 * u + 1] = y[1] + b;
        y1[2 * u] = y[2] + b;
        y1[2 * u + 1] = y[3] + b;
      }
      for (int64_t u = full; u < run.count; ++u) {
        float y[4];
        output_block(mo, stride, u, y);
        y0[2 * u] = y[0] + b;
        y1[2 * u] = y[2] + b;
      }
    }
  }
}

// out (n, co, ho, wo) = the 3x3 correlation of in (n, ci, hi, wi), zero-padded by (ph, pw), with
// the filters get(o, i, t), plus bias[o] when bias is not null; ho = hi + 2ph - 2 and likewise wo.
template <class Get>
void correlate3x3(const float* in, int64_t n, int64_t ci, int64_t hi, int64_t wi, int64_t ph,
                  int64_t pw, int64_t co, Get get, const float* bias, float* out, int64_t ho,
                  int64_t wo) {
  const int64_t th = (ho + 1) / 2, tw = (wo + 1) / 2, per_image = th * tw;
  // Every tile's footprint lies in rows [0, 2th + 2) and columns [0, 2tw + 2).
  const int64_t rows = 2 * th + 2, ld = round_up(2 * tw + 2, 8);
  Buffer xb(n * ci * rows * ld), u(16 * co * ci);
  border(in, n * ci, hi, wi, ph, pw, rows, ld, xb.get());
  transform_filters(co, ci, get, u.get());
  // Blocks split each image alike, whatever the batch and thread count, so that an image's outputs
  // have the same bits at any batch position and with any number of threads.
  const int64_t split = (per_image + kMaxTiles - 1) / kMaxTiles;
  const int64_t tb = round_up((per_image + split - 1) / split, 8);
  const int64_t per = (per_image + tb - 1) / tb, blocks = n * per;
#pragma omp parallel for schedule(dynamic, 1)
  for (int64_t bi = 0; bi < blocks; ++bi) {
    const int64_t first = bi % per * tb, t0 = bi / per * per_image + first;
    const int64_t nt = std::min(tb, per_image - first);
    std::vector<Run> runs;
    for (int64_t t = t0; t < t0 + nt;) {
      const int64_t img = t / per_image, ty = t % per_image / tw, tx = t % tw;
      const int64_t count = std::min(tw - tx, t0 + nt - t);
      runs.push_back({img, ty, tx, count, t - t0});
      t += count;
    }
    Buffer v(16 * ci * nt), m(16 * co * nt);
    transform_inputs(xb.get(), ci, rows, ld, runs, nt, v.get());
    for (int64_t xi = 0; xi < 16; ++xi)
      gemm<float>(false, false, co, nt, ci, 1.f, u.get() + xi * co * ci, ci, v.get() + xi * ci * nt,
                  nt, 0.f, m.get() + xi * co * nt, nt);
    transform_outputs(m.get(), co, nt, runs, bias, out, ho, wo);
  }
}

}  // namespace

bool applies(const ConvShape& cs) {
  return conv_mode() == ConvMode::fast && cs.groups == 1 && cs.r == 3 && cs.s == 3 &&
         cs.stride_h == 1 && cs.stride_w == 1 && cs.dil_h == 1 && cs.dil_w == 1 && cs.pad_h <= 2 &&
         cs.pad_w <= 2 && cs.c >= kMinChannels && cs.k >= kMinChannels;
}

void fprop(const ConvShape& cs, const float* x, const float* w, const float* bias, float* y) {
  correlate3x3(
      x, cs.n, cs.c, cs.h, cs.w, cs.pad_h, cs.pad_w, cs.k,
      [&](int64_t k, int64_t c, int64_t t) { return w[(k * cs.c + c) * 9 + t]; }, bias, y, cs.p,
      cs.q);
}

void dgrad(const ConvShape& cs, const float* dy, const float* w, float* dx) {
  // dx is dy correlated with w[k, c, 2 - r, 2 - s], padded by 2 - pad.
  correlate3x3(
      dy, cs.n, cs.k, cs.p, cs.q, 2 - cs.pad_h, 2 - cs.pad_w, cs.c,
      [&](int64_t c, int64_t k, int64_t t) { return w[(k * cs.c + c) * 9 + 8 - t]; }, nullptr, dx,
      cs.h, cs.w);
}

}  // namespace ganlite::cpu::winograd
