// Spatial kernels, one thread per output element. Each backward is written as a gather: one
// thread per input-gradient element visits the outputs that read it, in the raster order the CPU
// kernel scatters them, so the result is deterministic, needs no atomics and no zeroing pass,
// and rounds like the CPU version.
#include "kernels/cuda/spatial.h"
#include "kernels/cuda/stream.cuh"

namespace ganlite::cuda {
namespace {

#define GANLITE_GRID_STRIDE(i, n)                                           \
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < (n); \
       i += int64_t(gridDim.x) * blockDim.x)

// Mirror index without repeating the edge, as kernels/cpu/spatial.cpp.
__device__ inline int64_t reflect(int64_t i, int64_t n) {
  if (i < 0) return -i;
  if (i >= n) return 2 * (n - 1) - i;
  return i;
}

// The padded indices o in [0, n + before + after) with reflect(o - before, n) == i, ascending;
// at most three since each pad is smaller than n. Returns their count.
__device__ inline int reflect_sources(int64_t i, int64_t n, int64_t before, int64_t after,
                                      int64_t* o) {
  int count = 0;
  if (i >= 1 && i <= before) o[count++] = before - i;  // mirrored into the leading pad
  o[count++] = before + i;
  const int64_t trailing = before + 2 * (n - 1) - i;  // mirrored into the trailing pad
  if (i <= n - 2 && trailing < n + before + after) o[count++] = trailing;
  return count;
}

// Bilinear tap of output coordinate d (align_corners=false), as bilinear_taps on the CPU.
struct Tap {
  int64_t i0, i1;
  double l0, l1;
};

__device__ inline Tap bilinear_tap(int64_t d, int64_t in, int64_t scale) {
  const double r = 1.0 / static_cast<double>(scale);
  const double src = fmax(r * (d + 0.5) - 0.5, 0.0);
  Tap t;
  t.i0 = static_cast<int64_t>(src);
  t.i1 = t.i0 + (t.i0 < in - 1 ? 1 : 0);
  t.l1 = src - static_cast<double>(t.i0);
  t.l0 = 1.0 - t.l1;
  return t;
}

// Pooling window of output o along one dim, clipped to [0, n); extent counts the padding.
struct Window {
  int64_t begin, end, extent;
};

__device__ inline Window window(int64_t o, int64_t n, const Pool2d& p) {
  const int64_t b = o * p.stride - p.padding;
  const int64_t e = min(b + p.kernel, n + p.padding);
  return {max(b, int64_t(0)), min(e, n), e - b};
}

// Outputs [first, last] whose window holds input index a: o * stride - padding <= a and
// a < o * stride - padding + kernel (a < n + padding always holds), clipped to [0, out).
__device__ inline void pool_sources(int64_t a, int64_t out, const Pool2d& p, int64_t* first,
                                    int64_t* last) {
  const int64_t lo = a + p.padding - p.kernel + 1;  // o * stride >= lo
  *first = lo <= 0 ? 0 : (lo + p.stride - 1) / p.stride;
  *last = min((a + p.padding) / p.stride, out - 1);
}

template <class T>
__global__ void reflection_pad_kernel(T* y, const T* x, Planes in, Pad2d pad, int64_t oh,
                                      int64_t ow, int64_t total) {
  GANLITE_GRID_STRIDE(idx, total) {
    const int64_t j = idx % ow, i = (idx / ow) % oh, p = idx / (ow * oh);
    y[idx] = x[(p * in.h + reflect(i - pad.top, in.h)) * in.w + reflect(j - pad.left, in.w)];
  }
}

template <class T>
__global__ void reflection_pad_backward_kernel(T* gx, const T* g, Planes in, Pad2d pad, int64_t oh,
                                               int64_t ow, int64_t total) {
  GANLITE_GRID_STRIDE(idx, total) {
    const int64_t j = idx % in.w, i = (idx / in.w) % in.h, p = idx / (in.w * in.h);
    int64_t rows[3], cols[3];
    const int nr = reflect_sources(i, in.h, pad.top, pad.bottom, rows);
    const int nc = reflect_sources(j, in.w, pad.left, pad.right, cols);
    const T* gp = g + p * oh * ow;
    T s = 0;
    for (int a = 0; a < nr; ++a)
      for (int b = 0; b < nc; ++b) s += gp[rows[a] * ow + cols[b]];
    gx[idx] = s;
  }
}

template <class T>
__global__ void nearest_kernel(T* y, const T* x, Planes in, int64_t scale, int64_t total) {
  const int64_t oh = in.h * scale, ow = in.w * scale;
  GANLITE_GRID_STRIDE(idx, total) {
    const int64_t j = idx % ow, i = (idx / ow) % oh, p = idx / (ow * oh);
    y[idx] = x[(p * in.h + i / scale) * in.w + j / scale];
  }
}

template <class T>
__global__ void nearest_backward_kernel(T* gx, const T* g, Planes in, int64_t scale,
                                        int64_t total) {
  const int64_t ow = in.w * scale;
  GANLITE_GRID_STRIDE(idx, total) {
    const int64_t j = idx % in.w, i = (idx / in.w) % in.h, p = idx / (in.w * in.h);
    const T* gp = g + (p * in.h * scale + i * scale) * ow + j * scale;
    T s = 0;
    for (int64_t a = 0; a < scale; ++a)
      for (int64_t b = 0; b < scale; ++b) s += gp[a * ow + b];
    gx[idx] = s;
  }
}

template <class T>
__global__ void bilinear_kernel(T* y, const T* x, Planes in, int64_t scale, int64_t total) {
  const int64_t oh = in.h * scale, ow = in.w * scale;
  GANLITE_GRID_STRIDE(idx, total) {
    const int64_t j = idx % ow, i = (idx / ow) % oh, p = idx / (ow * oh);
    const Tap a = bilinear_tap(i, in.h, scale), b = bilinear_tap(j, in.w, scale);
    const T* r0 = x + (p * in.h + a.i0) * in.w;
    const T* r1 = x + (p * in.h + a.i1) * in.w;
    y[idx] = static_cast<T>(a.l0 * (b.l0 * r0[b.i0] + b.l1 * r0[b.i1]) +
                            a.l1 * (b.l0 * r1[b.i0] + b.l1 * r1[b.i1]));
  }
}

// An output coordinate reads input index i only if its lower tap is i - 1 or i, which holds
// only for outputs in [(i - 1) * scale, (i + 2) * scale).
template <class T>
__global__ void bilinear_backward_kernel(T* gx, const T* g, Planes in, int64_t scale,
                                         int64_t total) {
  const int64_t oh = in.h * scale, ow = in.w * scale;
  GANLITE_GRID_STRIDE(idx, total) {
    const int64_t j = idx % in.w, i = (idx / in.w) % in.h, p = idx / (in.w * in.h);
    const T* gp = g + p * oh * ow;
    const int64_t d0 = max((i - 1) * scale, int64_t(0)), d1 = min((i + 2) * scale, oh);
    const int64_t e0 = max((j - 1) * scale, int64_t(0)), e1 = min((j + 2) * scale, ow);
    T s = 0;
    for (int64_t d = d0; d < d1; ++d) {
      const Tap a = bilinear_tap(d, in.h, scale);
      if (a.i0 != i && a.i1 != i) continue;
      for (int64_t e = e0; e < e1; ++e) {
        const Tap b = bilinear_tap(e, in.w, scale);
        if (b.i0 != j && b.i1 != j) continue;
        const double v = gp[d * ow + e];
        // The CPU's four scatter-adds of this output, in their order, kept where they land here.
        if (a.i0 == i && b.i0 == j) s += static_cast<T>(a.l0 * b.l0 * v);
        if (a.i0 == i && b.i1 == j) s += static_cast<T>(a.l0 * b.l1 * v);
        if (a.i1 == i && b.i0 == j) s += static_cast<T>(a.l1 * b.l0 * v);
        if (a.i1 == i && b.i1 == j) s += static_cast<T>(a.l1 * b.l1 * v);
      }
    }
    gx[idx] = s;
  }
}

template <class T>
__global__ void avg_pool_kernel(T* y, const T* x, Planes in, Pool2d pool, int64_t total) {
  GANLITE_GRID_STRIDE(idx, total) {
    const int64_t j = idx % pool.ow, i = (idx / pool.ow) % pool.oh, p = idx / (pool.ow * pool.oh);
    const Window wh = window(i, in.h, pool), ww = window(j, in.w, pool);
    const T* xp = x + p * in.h * in.w;
    double s = 0;
    for (int64_t a = wh.begin; a < wh.end; ++a)
      for (int64_t b = ww.begin; b < ww.end; ++b) s += xp[a * in.w + b];
    y[idx] = static_cast<T>(s / static_cast<double>(wh.extent * ww.extent));
  }
}

template <class T>
__global__ void avg_pool_backward_kernel(T* gx, const T* g, Planes in, Pool2d pool, int64_t total) {
  GANLITE_GRID_STRIDE(idx, total) {
    const int64_t b = idx % in.w, a = (idx / in.w) % in.h, p = idx / (in.w * in.h);
    int64_t i0, i1, j0, j1;
    pool_sources(a, pool.oh, pool, &i0, &i1);
    pool_sources(b, pool.ow, pool, &j0, &j1);
    const T* gp = g + p * pool.oh * pool.ow;
    T s = 0;
    for (int64_t i = i0; i <= i1; ++i) {
      const int64_t eh = window(i, in.h, pool).extent;
      for (int64_t j = j0; j <= j1; ++j) {
        const int64_t ew = window(j, in.w, pool).extent;
        s += static_cast<T>(gp[i * pool.ow + j] / static_cast<double>(eh * ew));
      }
    }
    gx[idx] = s;
  }
}

template <class T>
__global__ void max_pool_kernel(T* y, int64_t* argmax, const T* x, Planes in, Pool2d pool,
                                int64_t total) {
  GANLITE_GRID_STRIDE(idx, total) {
    const int64_t j = idx % pool.ow, i = (idx / pool.ow) % pool.oh, p = idx / (pool.ow * pool.oh);
    const Window wh = window(i, in.h, pool), ww = window(j, in.w, pool);
    const T* xp = x + p * in.h * in.w;
    int64_t best = wh.begin * in.w + ww.begin;
    for (int64_t a = wh.begin; a < wh.end; ++a)
      for (int64_t b = ww.begin; b < ww.end; ++b) {
        const T v = xp[a * in.w + b];
        if (v > xp[best] || isnan(v)) best = a * in.w + b;
      }
    argmax[idx] = best;
    y[idx] = xp[best];
  }
}

template <class T>
__global__ void max_pool_gather_kernel(T* y, const int64_t* argmax, const T* x, Planes in,
                                       Pool2d pool, int64_t total) {
  GANLITE_GRID_STRIDE(idx, total) {
    const int64_t p = idx / (pool.ow * pool.oh);
    y[idx] = x[p * in.h * in.w + argmax[idx]];
  }
}

// One thread per input element: the sum over the outputs whose window holds it and chose it, in
// a fixed order (no atomics: deterministic).
template <class T>
__global__ void max_pool_scatter_kernel(T* gx, const int64_t* argmax, const T* g, Planes in,
                                        Pool2d pool, int64_t total) {
  GANLITE_GRID_STRIDE(idx, total) {
    const int64_t b = idx % in.w, a = (idx / in.w) % in.h, p = idx / (in.w * in.h);
    int64_t i0, i1, j0, j1;
    pool_sources(a, pool.oh, pool, &i0, &i1);
    pool_sources(b, pool.ow, pool, &j0, &j1);
    const int64_t base = p * pool.oh * pool.ow, self = a * in.w + b;
    T s = 0;
    for (int64_t i = i0; i <= i1; ++i)
      for (int64_t j = j0; j <= j1; ++j) {
        const int64_t o = base + i * pool.ow + j;
        if (argmax[o] == self) s += g[o];
      }
    gx[idx] = s;
  }
}

#undef GANLITE_GRID_STRIDE

// Launches kernel over total elements on the shared stream.
template <class K, class... A>
void launch(K kernel, int64_t total, A... args) {
  if (total == 0) return;
  kernel<<<grid_for(total), kThreads, 0, stream()>>>(args..., total);
  GANLITE_LAUNCH_CHECK();
}

}  // namespace

template <class T>
void reflection_pad2d(T* y, const T* x, const Planes& in, const Pad2d& pad) {
  const int64_t oh = in.h + pad.top + pad.bottom, ow = in.w + pad.left + pad.right;
  launch(reflection_pad_kernel<T>, in.planes * oh * ow, y, x, in, pad, oh, ow);
}

template <class T>
void reflection_pad2d_backward(T* gx, const T* g, const Planes& in, const Pad2d& pad) {
  const int64_t oh = in.h + pad.top + pad.bottom, ow = in.w + pad.left + pad.right;
  launch(reflection_pad_backward_kernel<T>, in.planes * in.h * in.w, gx, g, in, pad, oh, ow);
}

template <class T>
void upsample_nearest2d(T* y, const T* x, const Planes& in, int64_t scale) {
  launch(nearest_kernel<T>, in.planes * in.h * in.w * scale * scale, y, x, in, scale);
}

template <class T>
void upsample_nearest2d_backward(T* gx, const T* g, const Planes& in, int64_t scale) {
  launch(nearest_backward_kernel<T>, in.planes * in.h * in.w, gx, g, in, scale);
}

template <class T>
void upsample_bilinear2d(T* y, const T* x, const Planes& in, int64_t scale) {
  launch(bilinear_kernel<T>, in.planes * in.h * in.w * scale * scale, y, x, in, scale);
}

template <class T>
void upsample_bilinear2d_backward(T* gx, const T* g, const Planes& in, int64_t scale) {
  launch(bilinear_backward_kernel<T>, in.planes * in.h * in.w, gx, g, in, scale);
}

template <class T>
void avg_pool2d(T* y, const T* x, const Planes& in, const Pool2d& p) {
  launch(avg_pool_kernel<T>, in.planes * p.oh * p.ow, y, x, in, p);
}

template <class T>
void avg_pool2d_backward(T* gx, const T* g, const Planes& in, const Pool2d& p) {
  launch(avg_pool_backward_kernel<T>, in.planes * in.h * in.w, gx, g, in, p);
}

template <class T>
void max_pool2d(T* y, int64_t* argmax, const T* x, const Planes& in, const Pool2d& p) {
  launch(max_pool_kernel<T>, in.planes * p.oh * p.ow, y, argmax, x, in, p);
}

template <class T>
void max_pool2d_gather(T* y, const int64_t* argmax, const T* x, const Planes& in, const Pool2d& p) {
  launch(max_pool_gather_kernel<T>, in.planes * p.oh * p.ow, y, argmax, x, in, p);
}

template <class T>
void max_pool2d_scatter(T* gx, const int64_t* argmax, const T* g, const Planes& in,
                        const Pool2d& p) {
  launch(max_pool_scatter_kernel<T>, in.planes * in.h * in.w, gx, argmax, g, in, p);
}

#define GANLITE_SPATIAL(T)                                                                        \
  template void reflection_pad2d<T>(T*, const T*, const Planes&, const Pad2d&);                   \
  template void reflection_pad2d_backward<T>(T*, const T*, const Planes&, const Pad2d&);          \
  template void upsample_nearest2d<T>(T*, const T*, const Planes&, int64_t);                      \
  template void upsample_nearest2d_backward<T>(T*, const T*, const Planes&, int64_t);             \
  template void upsample_bilinear2d<T>(T*, const T*, const Planes&, int64_t);                     \
  template void upsample_bilinear2d_backward<T>(T*, const T*, const Planes&, int64_t);            \
  template void avg_pool2d<T>(T*, const T*, const Planes&, const Pool2d&);                        \
  template void avg_pool2d_backward<T>(T*, const T*, const Planes&, const Pool2d&);               \
  template void max_pool2d<T>(T*, int64_t*, const T*, const Planes&, const Pool2d&);              \
  template void max_pool2d_gather<T>(T*, const int64_t*, const T*, const Planes&, const Pool2d&); \
  template void max_pool2d_scatter<T>(T*, const int64_t*, const T*, const Planes&, const Pool2d&);
GANLITE_SPATIAL(float)
GANLITE_SPATIAL(double)

}  // namespace ganlite::cuda
