// Spatial kernels, one plane per task. Backward kernels zero their plane first and scatter-add
// (nearest gathers its block instead), race-free because a plane's gradient only receives from
// the same plane.
#include "kernels/cpu/spatial.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace ganlite::cpu {
namespace {

bool worth_threads(int64_t planes, int64_t per_plane) {
  return planes > 1 && planes * per_plane > (1 << 14);
}

// Mirror index without repeating the edge (PyTorch's "reflect"): -1 -> 1, n -> n - 2.
int64_t reflect(int64_t i, int64_t n) {
  if (i < 0) return -i;
  if (i >= n) return 2 * (n - 1) - i;
  return i;
}

// Source taps of one output coordinate for bilinear interpolation.
struct Tap {
  int64_t i0 = 0, i1 = 0;
  double l0 = 1, l1 = 0;
};

std::vector<Tap> bilinear_taps(int64_t in, int64_t scale) {
  // PyTorch scales by 1/scale_factor when one is given, rather than in/out; equal here.
  const double r = 1.0 / static_cast<double>(scale);
  std::vector<Tap> taps(in * scale);
  for (int64_t d = 0; d < in * scale; ++d) {
    double src = std::max(r * (d + 0.5) - 0.5, 0.0);
    Tap& t = taps[d];
    t.i0 = static_cast<int64_t>(src);
    t.i1 = t.i0 + (t.i0 < in - 1 ? 1 : 0);
    t.l1 = src - static_cast<double>(t.i0);
    t.l0 = 1.0 - t.l1;
  }
  return taps;
}

// The pooling window of output index o along one dim, clipped to [0, n), and its divisor
// extent (the window clipped to the padded size, so padding counts).
struct Window {
  int64_t begin, end, extent;
};

Window window(int64_t o, int64_t n, const Pool2d& p) {
  int64_t b = o * p.stride - p.padding;
  int64_t e = std::min(b + p.kernel, n + p.padding);
  return {std::max<int64_t>(b, 0), std::min(e, n), e - b};
}

}  // namespace

template <class T>
void reflection_pad2d(T* y, const T* x, const Planes& in, const Pad2d& pad) {
  const int64_t oh = in.h + pad.top + pad.bottom, ow = in.w + pad.left + pad.right;
#pragma omp parallel for schedule(static) if (worth_threads(in.planes, oh * ow))
  for (int64_t p = 0; p < in.planes; ++p) {
    const T* xp = x + p * in.h * in.w;
    T* yp = y + p * oh * ow;
    for (int64_t i = 0; i < oh; ++i) {
      const T* row = xp + reflect(i - pad.top, in.h) * in.w;
      T* out = yp + i * ow;
      // The interior is the input row itself: a copy, with reflect() only for the borders.
      for (int64_t j = 0; j < pad.left; ++j) out[j] = row[reflect(j - pad.left, in.w)];
      std::copy(row, row + in.w, out + pad.left);
      for (int64_t j = pad.left + in.w; j < ow; ++j) out[j] = row[reflect(j - pad.left, in.w)];
    }
  }
}

template <class T>
void reflection_pad2d_backward(T* gx, const T* g, const Planes& in, const Pad2d& pad) {
  const int64_t oh = in.h + pad.top + pad.bottom, ow = in.w + pad.left + pad.right;
#pragma omp parallel for schedule(static) if (worth_threads(in.planes, oh * ow))
  for (int64_t p = 0; p < in.planes; ++p) {
    T* gp = gx + p * in.h * in.w;
    const T* gy = g + p * oh * ow;
    std::fill(gp, gp + in.h * in.w, T(0));
    for (int64_t i = 0; i < oh; ++i) {
      T* row = gp + reflect(i - pad.top, in.h) * in.w;
      const T* src = gy + i * ow;
      // Left border, interior, right border: the same order of additions as one pass over j.
      for (int64_t j = 0; j < pad.left; ++j) row[reflect(j - pad.left, in.w)] += src[j];
#pragma omp simd
      for (int64_t j = 0; j < in.w; ++j) row[j] += src[pad.left + j];
      for (int64_t j = pad.left + in.w; j < ow; ++j) row[reflect(j - pad.left, in.w)] += src[j];
    }
  }
}

template <class T>
void upsample_nearest2d(T* y, const T* x, const Planes& in, int64_t scale) {
  const int64_t oh = in.h * scale, ow = in.w * scale;
#pragma omp parallel for schedule(static) if (worth_threads(in.planes, oh * ow))
  for (int64_t p = 0; p < in.planes; ++p) {
    const T* xp = x + p * in.h * in.w;
    T* yp = y + p * oh * ow;
    // Widen each input row once, then copy it down: no per-element division.
    for (int64_t i = 0; i < in.h; ++i) {
      T* first = yp + i * scale * ow;
      for (int64_t j = 0; j < in.w; ++j)
        for (int64_t r = 0; r < scale; ++r) first[j * scale + r] = xp[i * in.w + j];
      for (int64_t r = 1; r < scale; ++r) std::copy(first, first + ow, first + r * ow);
    }
  }
}

template <class T>
void upsample_nearest2d_backward(T* gx, const T* g, const Planes& in, int64_t scale) {
  const int64_t oh = in.h * scale, ow = in.w * scale;
#pragma omp parallel for schedule(static) if (worth_threads(in.planes, oh * ow))
  for (int64_t p = 0; p < in.planes; ++p) {
    T* gp = gx + p * in.h * in.w;
    const T* gy = g + p * oh * ow;
    for (int64_t i = 0; i < in.h; ++i)
      for (int64_t j = 0; j < in.w; ++j) {
        T s = 0;
        for (int64_t a = 0; a < scale; ++a)
          for (int64_t b = 0; b < scale; ++b) s += gy[(i * scale + a) * ow + j * scale + b];
        gp[i * in.w + j] = s;
      }
  }
}

template <class T>
void upsample_bilinear2d(T* y, const T* x, const Planes& in, int64_t scale) {
  const int64_t oh = in.h * scale, ow = in.w * scale;
  const std::vector<Tap> th = bilinear_taps(in.h, scale), tw = bilinear_taps(in.w, scale);
#pragma omp parallel for schedule(static) if (worth_threads(in.planes, oh * ow))
  for (int64_t p = 0; p < in.planes; ++p) {
    const T* xp = x + p * in.h * in.w;
    T* yp = y + p * oh * ow;
    for (int64_t i = 0; i < oh; ++i) {
      const Tap& a = th[i];
      const T* r0 = xp + a.i0 * in.w;
      const T* r1 = xp + a.i1 * in.w;
      for (int64_t j = 0; j < ow; ++j) {
        const Tap& b = tw[j];
        yp[i * ow + j] = static_cast<T>(a.l0 * (b.l0 * r0[b.i0] + b.l1 * r0[b.i1]) +
                                        a.l1 * (b.l0 * r1[b.i0] + b.l1 * r1[b.i1]));
      }
    }
  }
}

template <class T>
void upsample_bilinear2d_backward(T* gx, const T* g, const Planes& in, int64_t scale) {
  const int64_t oh = in.h * scale, ow = in.w * scale;
  const std::vector<Tap> th = bilinear_taps(in.h, scale), tw = bilinear_taps(in.w, scale);
#pragma omp parallel for schedule(static) if (worth_threads(in.planes, oh * ow))
  for (int64_t p = 0; p < in.planes; ++p) {
    T* gp = gx + p * in.h * in.w;
    const T* gy = g + p * oh * ow;
    std::fill(gp, gp + in.h * in.w, T(0));
    for (int64_t i = 0; i < oh; ++i) {
      const Tap& a = th[i];
      T* r0 = gp + a.i0 * in.w;
      T* r1 = gp + a.i1 * in.w;
      for (int64_t j = 0; j < ow; ++j) {
        const Tap& b = tw[j];
        const double v = gy[i * ow + j];
        r0[b.i0] += static_cast<T>(a.l0 * b.l0 * v);
        r0[b.i1] += static_cast<T>(a.l0 * b.l1 * v);
        r1[b.i0] += static_cast<T>(a.l1 * b.l0 * v);
        r1[b.i1] += static_cast<T>(a.l1 * b.l1 * v);
      }
    }
  }
}

template <class T>
void avg_pool2d(T* y, const T* x, const Planes& in, const Pool2d& pool) {
#pragma omp parallel for schedule(static) if (worth_threads(in.planes, pool.oh * pool.ow))
  for (int64_t p = 0; p < in.planes; ++p) {
    const T* xp = x + p * in.h * in.w;
    T* yp = y + p * pool.oh * pool.ow;
    for (int64_t i = 0; i < pool.oh; ++i) {
      const Window wh = window(i, in.h, pool);
      for (int64_t j = 0; j < pool.ow; ++j) {
        const Window ww = window(j, in.w, pool);
        double s = 0;
        for (int64_t a = wh.begin; a < wh.end; ++a)
          for (int64_t b = ww.begin; b < ww.end; ++b) s += xp[a * in.w + b];
        yp[i * pool.ow + j] = static_cast<T>(s / static_cast<double>(wh.extent * ww.extent));
      }
    }
  }
}

template <class T>
void avg_pool2d_backward(T* gx, const T* g, const Planes& in, const Pool2d& pool) {
#pragma omp parallel for schedule(static) if (worth_threads(in.planes, pool.oh * pool.ow))
  for (int64_t p = 0; p < in.planes; ++p) {
    T* gp = gx + p * in.h * in.w;
    const T* gy = g + p * pool.oh * pool.ow;
    std::fill(gp, gp + in.h * in.w, T(0));
    for (int64_t i = 0; i < pool.oh; ++i) {
      const Window wh = window(i, in.h, pool);
      for (int64_t j = 0; j < pool.ow; ++j) {
        const Window ww = window(j, in.w, pool);
        const T v =
            static_cast<T>(gy[i * pool.ow + j] / static_cast<double>(wh.extent * ww.extent));
        for (int64_t a = wh.begin; a < wh.end; ++a)
          for (int64_t b = ww.begin; b < ww.end; ++b) gp[a * in.w + b] += v;
      }
    }
  }
}

template <class T>
void max_pool2d(T* y, int64_t* argmax, const T* x, const Planes& in, const Pool2d& pool) {
#pragma omp parallel for schedule(static) if (worth_threads(in.planes, pool.oh * pool.ow))
  for (int64_t p = 0; p < in.planes; ++p) {
    const T* xp = x + p * in.h * in.w;
    for (int64_t i = 0; i < pool.oh; ++i) {
      const Window wh = window(i, in.h, pool);
      for (int64_t j = 0; j < pool.ow; ++j) {
        const Window ww = window(j, in.w, pool);
        int64_t best = wh.begin * in.w + ww.begin;
        for (int64_t a = wh.begin; a < wh.end; ++a)
          for (int64_t b = ww.begin; b < ww.end; ++b) {
            const T v = xp[a * in.w + b];
            if (v > xp[best] || std::isnan(v)) best = a * in.w + b;
          }
        const int64_t o = (p * pool.oh + i) * pool.ow + j;
        argmax[o] = best;
        y[o] = xp[best];
      }
    }
  }
}

template <class T>
void max_pool2d_gather(T* y, const int64_t* argmax, const T* x, const Planes& in,
                       const Pool2d& pool) {
  const int64_t per = pool.oh * pool.ow;
#pragma omp parallel for schedule(static) if (worth_threads(in.planes, per))
  for (int64_t p = 0; p < in.planes; ++p)
    for (int64_t o = p * per; o < (p + 1) * per; ++o) y[o] = x[p * in.h * in.w + argmax[o]];
}

template <class T>
void max_pool2d_scatter(T* gx, const int64_t* argmax, const T* g, const Planes& in,
                        const Pool2d& pool) {
  const int64_t per = pool.oh * pool.ow;
#pragma omp parallel for schedule(static) if (worth_threads(in.planes, per))
  for (int64_t p = 0; p < in.planes; ++p) {
    T* gp = gx + p * in.h * in.w;
    std::fill(gp, gp + in.h * in.w, T(0));
    for (int64_t o = p * per; o < (p + 1) * per; ++o) gp[argmax[o]] += g[o];
  }
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

}  // namespace ganlite::cpu
