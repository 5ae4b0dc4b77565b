// Depthwise convolution (see conv_depthwise.h). Output channel k reads input channel k / m, m the
// channel multiplier. Along a row, the output columns q whose input column q*stride + off lies
// inside the image form one range, computed once per tap, so the inner loops carry no bounds
// tests and vectorise when the stride is 1.
#include "kernels/cpu/conv_depthwise.h"

#include <algorithm>
#include <vector>

namespace ganlite::cpu::depthwise {
namespace {

// Columns [q0, q1) of an output row whose input column q * stride + off is inside [0, w).
void valid_columns(int64_t off, int64_t stride, int64_t w, int64_t q, int64_t& q0, int64_t& q1) {
  q0 = off >= 0 ? 0 : (-off + stride - 1) / stride;
  const int64_t room = w - off;
  q1 = room <= 0 ? 0 : std::min(q, (room + stride - 1) / stride);
}

}  // namespace

bool applies(const ConvShape& cs) {
  return cs.groups > 1 && cs.c == cs.groups && conv_mode() != ConvMode::blas;
}

// One output row of a 3x3, horizontally stride-1, undilated filter over the columns [qa, qb)
// whose taps all lie inside the row: the nine products of an output stay in registers and the
// loop vectorises across columns. x0..x2 point at the three input rows (a row of zeros where the
// filter hangs over the top or bottom edge); output column q reads input columns q + off + 0..2.
template <class T>
void row3x3(T* __restrict y, const T* __restrict x0, const T* __restrict x1, const T* __restrict x2,
            const T* w, T b, int64_t qa, int64_t qb, int64_t off) {
  const T w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], w4 = w[4], w5 = w[5], w6 = w[6], w7 = w[7],
          w8 = w[8];
#pragma omp simd
  for (int64_t q = qa; q < qb; ++q) {
    const int64_t i = q + off;
    y[q] = b + w0 * x0[i] + w1 * x0[i + 1] + w2 * x0[i + 2] + w3 * x1[i] + w4 * x1[i + 1] +
           w5 * x1[i + 2] + w6 * x2[i] + w7 * x2[i + 1] + w8 * x2[i + 2];
  }
}

template <class T>
void fprop(const ConvShape& cs, const T* x, const T* w, const T* bias, T* y) {
  const int64_t m = cs.k / cs.groups, hw = cs.h * cs.w, pq = cs.p * cs.q, rs = cs.r * cs.s;
  const bool fast3 = cs.r == 3 && cs.s == 3 && cs.stride_w == 1 && cs.dil_w == 1;
  // The columns whose every tap lies inside the row, for the fast 3x3 path.
  int64_t qa, qb, unused;
  valid_columns(-cs.pad_w, 1, cs.w, cs.q, qa, unused);
  valid_columns(2 - cs.pad_w, 1, cs.w, cs.q, unused, qb);
  qb = std::max(qa, qb);
  const std::vector<T> zero_row(cs.w, T(0));
#pragma omp parallel for schedule(static)
  for (int64_t plane = 0; plane < cs.n * cs.k; ++plane) {
    const int64_t img = plane / cs.k, k = plane % cs.k;
    const T* xp = x + (img * cs.c + k / m) * hw;
    const T* wk = w + k * rs;
    const T b = bias ? bias[k] : T(0);
    T* yp = y + plane * pq;
    for (int64_t p = 0; p < cs.p; ++p) {
      T* yr = yp + p * cs.q;
      // Every column with bounds checks (all of them unless the fast path takes the middle).
      auto checked = [&](int64_t q_begin, int64_t q_end) {
        std::fill(yr + q_begin, yr + q_end, b);
        for (int64_t r = 0; r < cs.r; ++r) {
          const int64_t ih = p * cs.stride_h - cs.pad_h + r * cs.dil_h;
          if (ih < 0 || ih >= cs.h) continue;
          const T* xr = xp + ih * cs.w;
          for (int64_t s = 0; s < cs.s; ++s) {
            const T wv = wk[r * cs.s + s];
            const int64_t off = s * cs.dil_w - cs.pad_w;
            int64_t q0, q1;
            valid_columns(off, cs.stride_w, cs.w, cs.q, q0, q1);
            q0 = std::max(q0, q_begin);
            q1 = std::min(q1, q_end);
            for (int64_t q = q0; q < q1; ++q) yr[q] += wv * xr[q * cs.stride_w + off];
          }
        }
      };
      if (!fast3) {
        checked(0, cs.q);
        continue;
      }
      const T* in[3];
      for (int64_t r = 0; r < 3; ++r) {
        const int64_t ih = p * cs.stride_h - cs.pad_h + r * cs.dil_h;
        in[r] = ih < 0 || ih >= cs.h ? zero_row.data() : xp + ih * cs.w;
      }
      checked(0, std::min(qa, cs.q));
      row3x3(yr, in[0], in[1], in[2], wk, b, qa, qb, -cs.pad_w);
      checked(qb, cs.q);
    }
  }
}

template <class T>
void dgrad(const ConvShape& cs, const T* dy, const T* w, T* dx) {
  const int64_t m = cs.k / cs.groups, hw = cs.h * cs.w, pq = cs.p * cs.q, rs = cs.r * cs.s;
  // One thread per input plane: it adds the contributions of its m output channels in order.
#pragma omp parallel for schedule(static)
  for (int64_t plane = 0; plane < cs.n * cs.c; ++plane) {
    const int64_t img = plane / cs.c, c = plane % cs.c;
    T* dxp = dx + plane * hw;
    std::fill(dxp, dxp + hw, T(0));
    for (int64_t k = c * m; k < (c + 1) * m; ++k) {
      const T* dyp = dy + (img * cs.k + k) * pq;
      const T* wk = w + k * rs;
      for (int64_t p = 0; p < cs.p; ++p) {
        const T* dyr = dyp + p * cs.q;
        for (int64_t r = 0; r < cs.r; ++r) {
          const int64_t ih = p * cs.stride_h - cs.pad_h + r * cs.dil_h;
          if (ih < 0 || ih >= cs.h) continue;
          T* dxr = dxp + ih * cs.w;
          for (int64_t s = 0; s < cs.s; ++s) {
            const T wv = wk[r * cs.s + s];
            const int64_t off = s * cs.dil_w - cs.pad_w;
            int64_t q0, q1;
            valid_columns(off, cs.stride_w, cs.w, cs.q, q0, q1);
            if (cs.stride_w == 1) {
#pragma omp simd
              for (int64_t q = q0; q < q1; ++q) dxr[q + off] += wv * dyr[q];
            } else {
              for (int64_t q = q0; q < q1; ++q) dxr[q * cs.stride_w + off] += wv * dyr[q];
            }
          }
        }
      }
    }
  }
}

template <class T>
void wgrad(const ConvShape& cs, const T* x, const T* dy, T* dw) {
  const int64_t m = cs.k / cs.groups, hw = cs.h * cs.w, pq = cs.p * cs.q, rs = cs.r * cs.s;
  // One thread per (channel, tap); the N*P*Q-term sum is carried in double.
#pragma omp parallel for schedule(static)
  for (int64_t e = 0; e < cs.k * rs; ++e) {
    const int64_t k = e / rs, r = e % rs / cs.s, s = e % cs.s;
    const int64_t off = s * cs.dil_w - cs.pad_w;
    int64_t q0, q1;
    valid_columns(off, cs.stride_w, cs.w, cs.q, q0, q1);
    double acc = 0;
    for (int64_t img = 0; img < cs.n; ++img) {
      const T* xp = x + (img * cs.c + k / m) * hw;
      const T* dyp = dy + (img * cs.k + k) * pq;
      for (int64_t p = 0; p < cs.p; ++p) {
        const int64_t ih = p * cs.stride_h - cs.pad_h + r * cs.dil_h;
        if (ih < 0 || ih >= cs.h) continue;
        const T* xr = xp + ih * cs.w;
        const T* dyr = dyp + p * cs.q;
        for (int64_t q = q0; q < q1; ++q) acc += double(dyr[q]) * double(xr[q * cs.stride_w + off]);
      }
    }
    dw[e] = static_cast<T>(acc);
  }
}

#define GANLITE_DEPTHWISE(T)                                                  \
  template void fprop<T>(const ConvShape&, const T*, const T*, const T*, T*); \
  template void dgrad<T>(const ConvShape&, const T*, const T*, T*);           \
  template void wgrad<T>(const ConvShape&, const T*, const T*, T*);
GANLITE_DEPTHWISE(float)
GANLITE_DEPTHWISE(double)

}  // namespace ganlite::cpu::depthwise
