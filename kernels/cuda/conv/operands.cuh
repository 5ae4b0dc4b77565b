// The three convolution passes as GEMMs C (M x N) = A (M x Kd) @ B (Kd x N) whose operands are
// read element by element from the tensors ("gathered"), never stored:
//   fprop  Y  (K, N*P*Q)  = W (K, C*R*S)   @ col(x) (C*R*S, N*P*Q)
//   dgrad  dX (C, N*H*W)  = W^T (C, K*R*S) @ gather(dy) (K*R*S, N*H*W): dx(c, h, w) sums
//          w(k, c, r, s) dy(k, p, q) over the (k, r, s) with h = p*stride - pad + r*dil (and the
//          same for w), so p = (h + pad - r*dil) / stride where that divides evenly and lands in
//          [0, P)
//   wgrad  dW (K, C*R*S)  = dy (K, N*P*Q)  @ col(x)^T (N*P*Q, C*R*S)
// Each operand splits an element's two coordinates into the one a thread keeps for the whole
// reduction (its row of A or column of B: `a_row`, `b_col`, decoded once) and the reduction
// index (`a_red`, `b_red`, decoded once per tile step by the tiled versions), so that the
// divisions stay out of the loads. Bounds: a_row/b_col mark rows and columns outside the product;
// the reduction index must be < kd() (the kernels check it). All index arithmetic is 32-bit,
// which fits32() guarantees. Versions implicit_gemm, simt_tiled and tf32_mma read through these.
// The header also compiles as plain C++ (GANLITE_HD empty, loads plain), so that the CPU suite
// checks this index arithmetic against the CPU convolution (tests/test_conv_operands.cpp).
#pragma once
#include "kernels/cuda/conv/registry.h"

#ifdef __CUDACC__
#define GANLITE_HD __host__ __device__
#else
#define GANLITE_HD
#endif

namespace ganlite::cuda::conv {

// A read-only load, through the texture path on the device.
GANLITE_HD inline float load(const float* p) {
#ifdef __CUDA_ARCH__
  return __ldg(p);
#else
  return *p;
#endif
}

// Every tensor of the pass has fewer than 2^31 elements, and so has each product.
inline bool fits32(const ConvShape& cs) {
  const int64_t lim = int64_t(1) << 31;
  const int64_t crs = cs.c / cs.groups * cs.r * cs.s;
  return cs.n * cs.c * cs.h * cs.w < lim && cs.n * cs.k * cs.p * cs.q < lim && cs.k * crs < lim &&
         cs.c * cs.k * cs.r * cs.s < lim;
}

// ConvShape in 32-bit fields, for the device.
struct Dims {
  int n, c, h, w, k, r, s, p, q, sh, sw, ph, pw, dh, dw;
};

inline Dims dims_of(const ConvShape& cs) {
  auto i = [](int64_t v) { return static_cast<int>(v); };
  return {i(cs.n),        i(cs.c),     i(cs.h),     i(cs.w),     i(cs.k),
          i(cs.r),        i(cs.s),     i(cs.p),     i(cs.q),     i(cs.stride_h),
          i(cs.stride_w), i(cs.pad_h), i(cs.pad_w), i(cs.dil_h), i(cs.dil_w)};
}

// An output pixel (img, p, q) seen from x: where its receptive field starts.
struct OutPixel {
  int x_base = 0, ih0 = 0, iw0 = 0;
  bool ok = false;
};
// A filter tap (c, r, s) seen from x: its offset from a receptive field's start.
struct FilterTap {
  int x_off = 0, dr = 0, ds = 0;
};

GANLITE_HD inline OutPixel out_pixel(const Dims& d, int j) {
  OutPixel o;
  o.ok = j < d.n * d.p * d.q;
  if (!o.ok) return o;
  const int pq = d.p * d.q, img = j / pq, p = j % pq / d.q, q = j % d.q;
  o.x_base = img * d.c * d.h * d.w;
  o.ih0 = p * d.sh - d.ph;
  o.iw0 = q * d.sw - d.pw;
  return o;
}

GANLITE_HD inline FilterTap filter_tap(const Dims& d, int kc) {
  const int rs = d.r * d.s, c = kc / rs, r = kc % rs / d.s, s = kc % d.s;
  return {c * d.h * d.w, r * d.dh, s * d.dw};
}

// x at a pixel's tap; 0 in the padding and outside the product.
GANLITE_HD inline float x_at(const Dims& d, const float* x, const OutPixel& o, const FilterTap& t) {
  const int ih = o.ih0 + t.dr, iw = o.iw0 + t.ds;
  if (!o.ok || unsigned(ih) >= unsigned(d.h) || unsigned(iw) >= unsigned(d.w)) return 0.f;
  return load(x + o.x_base + t.x_off + ih * d.w + iw);
}

// A row of W or dy: its start, and whether it lies inside the product.
struct Row {
  int base = 0;
  bool ok = false;
};

// The epilogue at output channel k: act(scale[k] * (acc + bias[k])), each part where given.
GANLITE_HD inline float epilogue_at(const ConvEpilogue& e, int k, float v) {
  if (e.bias) v += load(e.bias + k);
  if (e.scale) v *= load(e.scale + k);
  if (e.act == ConvAct::relu) return v > 0.f ? v : 0.f;
  if (e.act == ConvAct::leaky_relu) return v > 0.f ? v : e.slope * v;
  return v;
}

struct FpropOperands {
  Dims d;
  const float* x;
  const float* w;
  ConvEpilogue ep;
  float* y;

  GANLITE_HD int m() const { return d.k; }
  GANLITE_HD int n() const { return d.n * d.p * d.q; }
  GANLITE_HD int kd() const { return d.c * d.r * d.s; }
  // A = W (K, C*R*S)
  GANLITE_HD Row a_row(int k) const { return {k * kd(), k < d.k}; }
  GANLITE_HD int a_red(int kc) const { return kc; }
  GANLITE_HD float a(const Row& row, int kc) const {
    return row.ok ? load(w + row.base + kc) : 0.f;
  }
  // B = col(x) (C*R*S, N*P*Q)
  GANLITE_HD OutPixel b_col(int j) const { return out_pixel(d, j); }
  GANLITE_HD FilterTap b_red(int kc) const { return filter_tap(d, kc); }
  GANLITE_HD float b(const FilterTap& t, const OutPixel& o) const { return x_at(d, x, o, t); }
  GANLITE_HD void store(int k, int j, float v) const {
    const int pq = d.p * d.q;
    y[(j / pq * d.k + k) * pq + j % pq] = epilogue_at(ep, k, v);
  }
};

// An input pixel (img, h, w) seen from dy, and a tap (k, r, s) seen from dy: the output pixel
// that read the input pixel through the tap is ((h + pad - r*dil) / stride, ...) where exact.
struct InPixel {
  int dy_base = 0, th = 0, tw = 0;
  bool ok = false;
};
struct GradTap {
  int dy_off = 0, dr = 0, ds = 0;
};

struct DgradOperands {
  Dims d;
  const float* dy;
  const float* w;
  float* dx;

  GANLITE_HD int m() const { return d.c; }
  GANLITE_HD int n() const { return d.n * d.h * d.w; }
  GANLITE_HD int kd() const { return d.k * d.r * d.s; }
  // A = W^T (C, K*R*S): w(k, c, r, s) at (k*C + c)*R*S + (r*S + s)
  GANLITE_HD Row a_row(int c) const { return {c * d.r * d.s, c < d.c}; }
  GANLITE_HD int a_red(int kc) const {
    const int rs = d.r * d.s;
    return kc / rs * d.c * rs + kc % rs;
  }
  GANLITE_HD float a(const Row& row, int off) const {
    return row.ok ? load(w + row.base + off) : 0.f;
  }
  // B = gather(dy) (K*R*S, N*H*W)
  GANLITE_HD InPixel b_col(int j) const {
    InPixel o;
    o.ok = j < n();
    if (!o.ok) return o;
    const int hw = d.h * d.w, img = j / hw;
    o.dy_base = img * d.k * d.p * d.q;
    o.th = j % hw / d.w + d.ph;
    o.tw = j % d.w + d.pw;
    return o;
  }
  GANLITE_HD GradTap b_red(int kc) const {
    const int rs = d.r * d.s, k = kc / rs, r = kc % rs / d.s, s = kc % d.s;
    return {k * d.p * d.q, r * d.dh, s * d.dw};
  }
  GANLITE_HD float b(const GradTap& t, const InPixel& o) const {
    const int th = o.th - t.dr, tw = o.tw - t.ds;
    if (!o.ok || th < 0 || tw < 0 || th % d.sh != 0 || tw % d.sw != 0) return 0.f;
    const int p = th / d.sh, q = tw / d.sw;
    if (p >= d.p || q >= d.q) return 0.f;
    return load(dy + o.dy_base + t.dy_off + p * d.q + q);
  }
  GANLITE_HD void store(int c, int j, float v) const {
    const int hw = d.h * d.w;
    dx[(j / hw * d.c + c) * hw + j % hw] = v;
  }
};

struct WgradOperands {
  Dims d;
  const float* x;
  const float* dy;
  float* dw;

  GANLITE_HD int m() const { return d.k; }
  GANLITE_HD int n() const { return d.c * d.r * d.s; }
  GANLITE_HD int kd() const { return d.n * d.p * d.q; }
  // A = dy (K, N*P*Q): dy(img, k, pq) at (img*K + k)*P*Q + pq
  GANLITE_HD Row a_row(int k) const { return {k * d.p * d.q, k < d.k}; }
  GANLITE_HD int a_red(int t) const {
    const int pq = d.p * d.q;
    return t / pq * d.k * pq + t % pq;
  }
  GANLITE_HD float a(const Row& row, int off) const {
    return row.ok ? load(dy + row.base + off) : 0.f;
  }
  // B = col(x)^T (N*P*Q, C*R*S): the column is the tap, the reduction index the pixel.
  struct Tap {
    FilterTap t;
    bool ok;
  };
  GANLITE_HD Tap b_col(int kc) const { return {filter_tap(d, kc), kc < n()}; }
  GANLITE_HD OutPixel b_red(int t) const { return out_pixel(d, t); }
  GANLITE_HD float b(const OutPixel& o, const Tap& col) const {
    return col.ok ? x_at(d, x, o, col.t) : 0.f;
  }
  GANLITE_HD void store(int k, int kc, float v) const { dw[k * n() + kc] = v; }
};

}  // namespace ganlite::cuda::conv
