// im2col/col2im and the three convolution GEMMs on OpenBLAS, per group g:
//   fprop  Y_g (K/g, cols) = W_g (K/g, C/g*R*S) @ col_g (C/g*R*S, cols)
//   dgrad  col_g = W_g^T @ dY_g, then col2im adds col_g onto dx
//   wgrad  dW_g += dY_g @ col_g^T
// The output is cut into tiles (a block of output rows of one image, or several whole images)
// whose column buffer stays in cache; OpenMP threads take whole tiles, each running im2col, a
// single-threaded GEMM and the write-back, so no two thread pools share the cores.
#include "kernels/cpu/conv.h"

#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <type_traits>
#include <vector>

#include "kernels/cpu/conv_avx2.h"
#include "kernels/cpu/conv_depthwise.h"
#include "kernels/cpu/conv_narrow.h"
#include "kernels/cpu/conv_winograd.h"
#include "kernels/cpu/gemm.h"

namespace ganlite::cpu {
namespace {

// Below this many elements a loop is not worth waking the thread pool for.
constexpr int64_t kParallelMin = 1 << 15;
// Column buffer per tile: well inside the 32 MB L3 of the dev box with one tile per core, and
// wide enough (hundreds of columns) for the GEMM to run near its peak.
constexpr int64_t kTileBytes = 4 << 20;

// Per-thread buffers kept between calls: a fresh allocation of several MB is page-faulted and
// zeroed by the kernel on every call, which costs about as much as im2col itself.
template <class T>
T* scratch(int slot, int64_t n) {
  thread_local std::vector<T> buf[3];
  if (static_cast<int64_t>(buf[slot].size()) < n) {
    buf[slot] = std::vector<T>();
    buf[slot].resize(n);
  }
  return buf[slot].data();
}

// 1x1, stride 1, no padding: each image is its own column matrix.
bool is_pointwise(const ConvShape& cs) {
  return cs.r == 1 && cs.s == 1 && cs.stride_h == 1 && cs.stride_w == 1 && cs.pad_h == 0 &&
         cs.pad_w == 0;
}

// Output rows [p0, p0 + np) of images [n0, n0 + nb): either a row block of one image (nb == 1)
// or whole images (np == P). parity alternates along the row blocks of an image.
struct Tile {
  int64_t n0, nb, p0, np;
  int parity;
};

// Tiles whose column buffers hold about kTileBytes, at least two per thread where possible.
// Row blocks are at least min_rows tall; `passes` is how many parity classes run one after the
// other (dgrad: 2), each of which should keep all threads busy.
std::vector<Tile> make_tiles(const ConvShape& cs, int64_t elem_bytes, int64_t min_rows,
                             int64_t passes) {
  const int64_t threads = omp_get_max_threads();
  const int64_t row_bytes =
      std::max<int64_t>(1, cs.c / cs.groups * cs.r * cs.s * cs.q * elem_bytes);
  const int64_t fit = std::max<int64_t>(1, kTileBytes / row_bytes);
  // Large pointwise images are read in place, one image per tile, so never batch them.
  // Small batches are cut into row blocks too, so that every thread has work.
  const bool batch =
      fit >= cs.p && cs.n >= 2 * threads && !(is_pointwise(cs) && cs.p * cs.q >= 256);
  std::vector<Tile> tiles;
  if (cs.n == 0) return tiles;
  if (batch) {
    int64_t nb = std::min(fit / cs.p, std::max<int64_t>(1, cs.n / (2 * threads)));
    for (int64_t n0 = 0; n0 < cs.n; n0 += nb)
      tiles.push_back({n0, std::min(nb, cs.n - n0), 0, cs.p, 0});
    return tiles;
  }
  // Row blocks of near-equal height (so that threads finish together), a multiple of the thread
  // count per image when there are fewer images than threads, none shorter than min_rows.
  int64_t blocks = std::max((cs.p + fit - 1) / fit, (2 * threads + cs.n - 1) / cs.n);
  const int64_t multiple = threads * passes;
  if (cs.n < threads) blocks = (blocks + multiple - 1) / multiple * multiple;
  blocks = std::clamp<int64_t>(blocks, 1, std::max<int64_t>(1, cs.p / min_rows));
  for (int64_t n = 0; n < cs.n; ++n)
    for (int64_t b = 0; b < blocks; ++b) {
      int64_t p0 = b * cs.p / blocks, p1 = (b + 1) * cs.p / blocks;
      tiles.push_back({n, 1, p0, p1 - p0, static_cast<int>(b % 2)});
    }
  return tiles;
}

// The output columns q in [lo, hi) read input column iw0 + q*stride inside [0, w).
void valid_range(int64_t iw0, int64_t stride, int64_t w, int64_t q, int64_t& lo, int64_t& hi) {
  lo = iw0 >= 0 ? 0 : (-iw0 + stride - 1) / stride;
  hi = iw0 > w - 1 ? 0 : (w - 1 - iw0) / stride + 1;
  hi = std::min(hi, q);
  lo = std::min(lo, hi);
}

// out[q] = in[2q] for q in [lo, hi): the common downsampling stride. Blocks of 8 with a constant
// stride compile to vector shuffles; a short tail redoes the last 8 rather than going scalar.
template <class T>
inline void gather2(const T* in, T* out, int64_t lo, int64_t hi) {
  if (hi - lo < 8) {
    for (int64_t q = lo; q < hi; ++q) out[q] = in[2 * q];
    return;
  }
  for (int64_t q = lo;; q += 8) {
    q = std::min(q, hi - 8);
#pragma omp simd
    for (int u = 0; u < 8; ++u) out[q + u] = in[2 * (q + u)];
    if (q + 8 == hi) break;
  }
}

// One (c, r, s) row of col for one image and output rows [p0, p0 + np): np*Q entries.
template <class T>
void im2col_row(const ConvShape& cs, const T* plane, int64_t r, int64_t s, int64_t p0, int64_t np,
                T* out) {
  int64_t iw0 = s * cs.dil_w - cs.pad_w, lo, hi;
  valid_range(iw0, cs.stride_w, cs.w, cs.q, lo, hi);
  for (int64_t p = p0; p < p0 + np; ++p, out += cs.q) {
    int64_t ih = p * cs.stride_h - cs.pad_h + r * cs.dil_h;
    if (ih < 0 || ih >= cs.h) {
      std::fill(out, out + cs.q, T(0));
      continue;
    }
    const T* in = plane + ih * cs.w + iw0;
    // The padding margins are a few entries: plain loops, not memset calls.
    for (int64_t q = 0; q < lo; ++q) out[q] = T(0);
    if (cs.stride_w == 1) {
      std::copy(in + lo, in + hi, out + lo);
    } else if (cs.stride_w == 2) {
      gather2(in, out, lo, hi);
    } else {
      for (int64_t q = lo; q < hi; ++q) out[q] = in[q * cs.stride_w];
    }
    for (int64_t q = hi; q < cs.q; ++q) out[q] = T(0);
  }
}

// Adds the R*S rows of one channel of col (row (r, s) at src + (r*S + s)*ld, output rows
// [p0, p0 + np)) back onto the input plane they were read from. kUnit (stride 1) gets its own
// instantiation: forcing vector code on that loop slowed the strided one down when they shared
// a function (measured 10 -> 15 ms on the DCGAN layer).
template <bool kUnit, class T>
void col2im_plane(const ConvShape& cs, const T* src, int64_t ld, int64_t p0, int64_t np, T* plane) {
  for (int64_t r = 0; r < cs.r; ++r)
    for (int64_t s = 0; s < cs.s; ++s) {
      const T* in = src + (r * cs.s + s) * ld;
      int64_t iw0 = s * cs.dil_w - cs.pad_w, lo, hi;
      valid_range(iw0, cs.stride_w, cs.w, cs.q, lo, hi);
      for (int64_t p = p0; p < p0 + np; ++p, in += cs.q) {
        int64_t ih = p * cs.stride_h - cs.pad_h + r * cs.dil_h;
        if (ih < 0 || ih >= cs.h) continue;
        T* dst = plane + ih * cs.w + iw0;
        if constexpr (kUnit) {
#pragma omp simd
          for (int64_t q = lo; q < hi; ++q) dst[q] += in[q];
        } else {
          for (int64_t q = lo; q < hi; ++q) dst[q * cs.stride_w] += in[q];
        }
      }
    }
}

template <class T>
void col2im_plane(const ConvShape& cs, const T* src, int64_t ld, int64_t p0, int64_t np, T* plane) {
  if (cs.stride_w == 1)
    col2im_plane<true>(cs, src, ld, p0, np, plane);
  else
    col2im_plane<false>(cs, src, ld, p0, np, plane);
}

// Column matrix of a tile for channels [c0, c0 + nc): (nc*R*S, nb*np*Q), image i at i*np*Q.
template <class T>
void im2col_tile(const ConvShape& cs, const T* x, const Tile& t, int64_t c0, int64_t nc, T* col) {
  const int64_t rs = cs.r * cs.s, blk = t.np * cs.q, cols = t.nb * blk;
  for (int64_t row = 0; row < nc * rs; ++row)
    for (int64_t i = 0; i < t.nb; ++i)
      im2col_row(cs, x + ((t.n0 + i) * cs.c + c0 + row / rs) * cs.h * cs.w, row % rs / cs.s,
                 row % cs.s, t.p0, t.np, col + row * cols + i * blk);
}

template <class T>
void col2im_tile(const ConvShape& cs, const T* col, const Tile& t, int64_t c0, int64_t nc, T* x) {
  const int64_t rs = cs.r * cs.s, blk = t.np * cs.q, cols = t.nb * blk;
  for (int64_t c = 0; c < nc; ++c)
    for (int64_t i = 0; i < t.nb; ++i)
      col2im_plane(cs, col + c * rs * cols + i * blk, cols, t.p0, t.np,
                   x + ((t.n0 + i) * cs.c + c0 + c) * cs.h * cs.w);
}

// Where a GEMM reads a tile's rows [k0, k0 + nk) of a (N, K, P, Q) tensor: in place for a row
// block of one image (leading dimension P*Q), else gathered into buf as (nk, nb*np*Q).
template <class T>
const T* tile_rows(const ConvShape& cs, const T* y, const Tile& t, int64_t k0, int64_t nk, T* buf,
                   int64_t& ld) {
  const int64_t pq = cs.p * cs.q;
  if (t.nb == 1) {
    ld = pq;
    return y + (t.n0 * cs.k + k0) * pq + t.p0 * cs.q;
  }
  ld = t.nb * pq;
  for (int64_t k = 0; k < nk; ++k)
    for (int64_t i = 0; i < t.nb; ++i) {
      const T* src = y + ((t.n0 + i) * cs.k + k0 + k) * pq;
      std::copy(src, src + pq, buf + k * ld + i * pq);
    }
  return buf;
}

// The column matrix of a tile for group g: x itself for pointwise row blocks, else im2col.
template <class T>
const T* tile_cols(const ConvShape& cs, const T* x, const Tile& t, int64_t g, T* col, int64_t& ld) {
  const int64_t g_c = cs.c / cs.groups;
  if (is_pointwise(cs) && t.nb == 1) {
    ld = cs.h * cs.w;
    return x + (t.n0 * cs.c + g * g_c) * ld + t.p0 * cs.q;
  }
  ld = t.nb * t.np * cs.q;
  im2col_tile(cs, x, t, g * g_c, g_c, col);
  return col;
}

}  // namespace

ConvMode conv_mode() {
  const char* v = std::getenv("GANLITE_CONV_CPU");
  if (v && !std::strcmp(v, "blas")) return ConvMode::blas;
  if (v && !std::strcmp(v, "avx2")) return ConvMode::avx2;
  return ConvMode::fast;
}

template <class T>
void im2col(const ConvShape& cs, const T* x, int64_t nb, int64_t c0, int64_t nc, T* col) {
  const int64_t rs = cs.r * cs.s, pq = cs.p * cs.q, rows = nc * rs;
#pragma omp parallel for collapse(2) schedule(static) if (rows * nb * pq > kParallelMin)
  for (int64_t row = 0; row < rows; ++row)
    for (int64_t i = 0; i < nb; ++i)
      im2col_row(cs, x + (i * cs.c + c0 + row / rs) * cs.h * cs.w, row % rs / cs.s, row % cs.s, 0,
                 cs.p, col + (row * nb + i) * pq);
}

template <class T>
void col2im(const ConvShape& cs, const T* col, int64_t nb, int64_t c0, int64_t nc, T* x) {
  const int64_t rs = cs.r * cs.s, pq = cs.p * cs.q;
  // One thread per input plane: every write to a plane comes from that thread.
#pragma omp parallel for collapse(2) schedule(static) if (nc * nb * rs * pq > kParallelMin)
  for (int64_t c = 0; c < nc; ++c)
    for (int64_t i = 0; i < nb; ++i)
      col2im_plane(cs, col + c * rs * nb * pq + i * pq, nb * pq, 0, cs.p,
                   x + (i * cs.c + c0 + c) * cs.h * cs.w);
}

template <class T>
void conv_fprop(const ConvShape& cs, const T* x, const T* w, const T* bias, T* y) {
  if (depthwise::applies(cs)) return depthwise::fprop(cs, x, w, bias, y);
  if constexpr (std::is_same_v<T, float>) {
    if (narrow::applies(cs)) return narrow::fprop(cs, x, w, bias, y);
    if (winograd::applies(cs)) return winograd::fprop(cs, x, w, bias, y);
    // The default for the rest: fewest cycles per forward (docs/results/cpu.md, "Cycles").
    if (conv_mode() != ConvMode::blas && avx2::supports(cs)) {
      avx2::conv_fprop(cs, x, w, bias, y);
      return;
    }
  }
  const int64_t g_c = cs.c / cs.groups, g_k = cs.k / cs.groups, crs = g_c * cs.r * cs.s;
  const int64_t pq = cs.p * cs.q;
  const std::vector<Tile> tiles = make_tiles(cs, sizeof(T), 1, 1);
#pragma omp parallel for schedule(dynamic, 1)
  for (int64_t ti = 0; ti < static_cast<int64_t>(tiles.size()); ++ti) {
    const Tile& t = tiles[ti];
    const int64_t blk = t.np * cs.q, cols = t.nb * blk;
    T* col = scratch<T>(0, crs * cols);
    for (int64_t g = 0; g < cs.groups; ++g) {
      int64_t ldb;
      const T* b = tile_cols(cs, x, t, g, col, ldb);
      const T* wg = w + g * g_k * crs;
      if (t.nb == 1) {
        // A row block of one image: the GEMM adds onto the bias rows of y in place.
        T* yt = y + (t.n0 * cs.k + g * g_k) * pq + t.p0 * cs.q;
        if (bias)
          for (int64_t k = 0; k < g_k; ++k)
            std::fill(yt + k * pq, yt + k * pq + blk, bias[g * g_k + k]);
        gemm<T>(false, false, g_k, blk, crs, T(1), wg, crs, b, ldb, bias ? T(1) : T(0), yt, pq);
        continue;
      }
      T* out = scratch<T>(1, g_k * cols);
      gemm<T>(false, false, g_k, cols, crs, T(1), wg, crs, b, ldb, T(0), out, cols);
      for (int64_t k = 0; k < g_k; ++k)
        for (int64_t i = 0; i < t.nb; ++i) {
          const T* src = out + k * cols + i * pq;
          T* dst = y + ((t.n0 + i) * cs.k + g * g_k + k) * pq;
          const T bk = bias ? bias[g * g_k + k] : T(0);
#pragma omp simd
          for (int64_t j = 0; j < pq; ++j) dst[j] = src[j] + bk;
        }
    }
  }
}

namespace {

// Where the batch's GEMMs are better done whole than in row tiles: one group, fewer output
// columns than filter rows (the first layers of a DCGAN-style generator at small batch), and the
// batch's column matrix within the threads' tile buffers.
bool whole_batch_columns(const ConvShape& cs, int64_t elem_bytes) {
  const int64_t crs = cs.c * cs.r * cs.s, cols = cs.n * cs.p * cs.q;
  return cs.groups == 1 && cols < crs &&
         crs * cols * elem_bytes <= kTileBytes * omp_get_max_threads();
}

// dgrad there: the column matrix of the whole batch is split by input channel across the
// threads. Each thread packs only its rows of W once, where row tiles would each pack all of W,
// and its col2im writes channels no other thread touches. False (nothing done) elsewhere.
template <class T>
bool dgrad_by_channel(const ConvShape& cs, const T* dy, const T* w, T* dx) {
  if (!whole_batch_columns(cs, sizeof(T)) || cs.c < omp_get_max_threads()) return false;
  const int64_t rs = cs.r * cs.s, crs = cs.c * rs, cols = cs.n * cs.p * cs.q;
  const Tile all{0, cs.n, 0, cs.p, 0};
  int64_t ldb;
  const T* b = tile_rows(cs, dy, all, 0, cs.k, scratch<T>(1, cs.k * cols), ldb);
#pragma omp parallel
  {
    const int64_t team = omp_get_num_threads(), me = omp_get_thread_num();
    const int64_t c0 = me * cs.c / team, nc = (me + 1) * cs.c / team - c0;
    for (int64_t i = 0; i < cs.n; ++i)
      std::fill(dx + (i * cs.c + c0) * cs.h * cs.w, dx + (i * cs.c + c0 + nc) * cs.h * cs.w, T(0));
    T* col = scratch<T>(0, nc * rs * cols);
    gemm<T>(true, false, nc * rs, cols, cs.k, T(1), w + c0 * rs, crs, b, ldb, T(0), col, cols);
    col2im_tile(cs, col, all, c0, nc, dx);
  }
  return true;
}

// wgrad under the same condition: one column matrix for the whole batch and one GEMM, which
// gemm() splits across the threads by blocks of dW, so there are no per-thread copies of dW to
// zero and add up.
template <class T>
bool wgrad_whole_batch(const ConvShape& cs, const T* x, const T* dy, T* dw) {
  if (!whole_batch_columns(cs, sizeof(T))) return false;
  const int64_t crs = cs.c * cs.r * cs.s, cols = cs.n * cs.p * cs.q;
  const Tile all{0, cs.n, 0, cs.p, 0};
  T* col = scratch<T>(0, crs * cols);
  im2col(cs, x, cs.n, 0, cs.c, col);
  int64_t lda;
  const T* a = tile_rows(cs, dy, all, 0, cs.k, scratch<T>(1, cs.k * cols), lda);
  gemm<T>(false, true, cs.k, crs, cols, T(1), a, lda, col, cols, T(0), dw, crs);
  return true;
}

}  // namespace

template <class T>
void conv_dgrad(const ConvShape& cs, const T* dy, const T* w, T* dx) {
  if (depthwise::applies(cs)) return depthwise::dgrad(cs, dy, w, dx);
  if constexpr (std::is_same_v<T, float>) {
    if (narrow::applies(cs)) return narrow::dgrad(cs, dy, w, dx);
    if (winograd::applies(cs)) return winograd::dgrad(cs, dy, w, dx);
  }
  if (dgrad_by_channel(cs, dy, w, dx)) return;
  const int64_t g_c = cs.c / cs.groups, g_k = cs.k / cs.groups, crs = g_c * cs.r * cs.s;
  const int64_t hw = cs.h * cs.w, total = cs.n * cs.c * hw;
  // Row blocks of one image add onto overlapping input rows (the filter's footprint). Blocks
  // with np*stride > (R-1)*dilation overlap only their neighbours, so the even blocks run in
  // one pass and the odd ones in a second.
  const int64_t min_rows = (cs.r - 1) * cs.dil_h / cs.stride_h + 1;
  std::vector<Tile> passes[2];
  for (const Tile& t : make_tiles(cs, sizeof(T), min_rows, 2)) passes[t.parity].push_back(t);
  const bool pointwise = is_pointwise(cs);
#pragma omp parallel
  {
#pragma omp for schedule(static)
    for (int64_t i = 0; i < total; ++i) dx[i] = T(0);
    for (const std::vector<Tile>& tiles : passes) {
#pragma omp for schedule(dynamic, 1)
      for (int64_t ti = 0; ti < static_cast<int64_t>(tiles.size()); ++ti) {
        const Tile& t = tiles[ti];
        const int64_t blk = t.np * cs.q, cols = t.nb * blk;
        T* col = scratch<T>(0, crs * cols);
        T* buf = scratch<T>(1, g_k * cols);
        for (int64_t g = 0; g < cs.groups; ++g) {
          int64_t lda;
          const T* a = tile_rows(cs, dy, t, g * g_k, g_k, buf, lda);
          const T* wg = w + g * g_k * crs;
          if (pointwise && t.nb == 1) {
            // The GEMM writes the input gradient rows directly: no col2im.
            gemm<T>(true, false, g_c, blk, g_k, T(1), wg, crs, a, lda, T(0),
                    dx + (t.n0 * cs.c + g * g_c) * hw + t.p0 * cs.q, hw);
            continue;
          }
          gemm<T>(true, false, crs, cols, g_k, T(1), wg, crs, a, lda, T(0), col, cols);
          col2im_tile(cs, col, t, g * g_c, g_c, dx);
        }
      }
    }
  }
}

template <class T>
void conv_wgrad(const ConvShape& cs, const T* x, const T* dy, T* dw) {
  if (depthwise::applies(cs)) return depthwise::wgrad(cs, x, dy, dw);
  if constexpr (std::is_same_v<T, float>) {
    if (narrow::applies(cs)) return narrow::wgrad(cs, x, dy, dw);
  }
  if (wgrad_whole_batch(cs, x, dy, dw)) return;
  const int64_t g_c = cs.c / cs.groups, g_k = cs.k / cs.groups, crs = g_c * cs.r * cs.s;
  const int64_t size = cs.k * crs, threads = omp_get_max_threads();
  const std::vector<Tile> tiles = make_tiles(cs, sizeof(T), 1, 1);
  // Every thread sums its tiles into its own copy of dw; the copies are added at the end in
  // thread order. The static schedule fixes which tiles each thread sums, so the result is the
  // same bits on every run with the same thread count (resumed training depends on that).
  T* part = scratch<T>(2, threads * size);
#pragma omp parallel
  {
    // The team may be smaller than asked for (nested inside another parallel region).
    const int64_t team = omp_get_num_threads();
    T* mine = part + omp_get_thread_num() * size;
    std::fill(mine, mine + size, T(0));
#pragma omp for schedule(static)
    for (int64_t ti = 0; ti < static_cast<int64_t>(tiles.size()); ++ti) {
      const Tile& t = tiles[ti];
      const int64_t cols = t.nb * t.np * cs.q;
      T* col = scratch<T>(0, crs * cols);
      T* buf = scratch<T>(1, g_k * cols);
      for (int64_t g = 0; g < cs.groups; ++g) {
        int64_t lda, ldb;
        const T* a = tile_rows(cs, dy, t, g * g_k, g_k, buf, lda);
        const T* b = tile_cols(cs, x, t, g, col, ldb);
        gemm<T>(false, true, g_k, crs, cols, T(1), a, lda, b, ldb, T(1), mine + g * g_k * crs, crs);
      }
    }
#pragma omp for schedule(static)
    for (int64_t i = 0; i < size; ++i) {
      T s = T(0);
      for (int64_t th = 0; th < team; ++th) s += part[th * size + i];
      dw[i] = s;
    }
  }
}

template <class T>
void add_channel_bias(T* y, const T* b, int64_t n, int64_t c, int64_t hw) {
#pragma omp parallel for collapse(2) schedule(static) if (n * c * hw > kParallelMin)
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < c; ++j) {
      T* row = y + (i * c + j) * hw;
      const T v = b[j];
#pragma omp simd
      for (int64_t t = 0; t < hw; ++t) row[t] += v;
    }
}

template <class T>
void channel_sum(const T* dy, int64_t n, int64_t c, int64_t hw, T* db) {
#pragma omp parallel for schedule(static) if (n * c * hw > kParallelMin)
  for (int64_t j = 0; j < c; ++j) {
    double total = 0;
    for (int64_t i = 0; i < n; ++i) {
      // Eight independent partial sums: the adds pipeline and the rounding error stays small.
      const T* row = dy + (i * c + j) * hw;
      T part[8] = {};
      int64_t t = 0;
      for (; t + 8 <= hw; t += 8)
#pragma omp simd
        for (int u = 0; u < 8; ++u) part[u] += row[t + u];
      for (; t < hw; ++t) part[0] += row[t];
      for (int u = 0; u < 8; ++u) total += part[u];
    }
    db[j] = static_cast<T>(total);
  }
}

#define GANLITE_CONV(T)                                                               \
  template void im2col<T>(const ConvShape&, const T*, int64_t, int64_t, int64_t, T*); \
  template void col2im<T>(const ConvShape&, const T*, int64_t, int64_t, int64_t, T*); \
  template void conv_fprop<T>(const ConvShape&, const T*, const T*, const T*, T*);    \
  template void conv_dgrad<T>(const ConvShape&, const T*, const T*, T*);              \
  template void conv_wgrad<T>(const ConvShape&, const T*, const T*, T*);              \
  template void add_channel_bias<T>(T*, const T*, int64_t, int64_t, int64_t);         \
  template void channel_sum<T>(const T*, int64_t, int64_t, int64_t, T*);
GANLITE_CONV(float)
GANLITE_CONV(double)

}  // namespace ganlite::cpu
