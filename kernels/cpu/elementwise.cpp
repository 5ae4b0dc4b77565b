// Elementwise kernels. Each op is a functor so the inner loops compile to straight vector code;
// the contiguous and scalar-broadcast cases get their own loops for the same reason. The loops
// say `omp simd`: at -O2 GCC vectorises no loop that needs a run-time aliasing check, and
// without the pragma it vectorised none in this file (-fopt-info-vec). Outputs may alias an
// input element for element (in-place ops), which simd permits.
#include "kernels/cpu/elementwise.h"

#include <cmath>

namespace ganlite::cpu {
namespace {

template <class T, class F>
void binary_loop(F f, T* out, const T* a, const T* b, const Layout<3>& layout) {
  for_each_row<3>(layout, [&](const int64_t* off, int64_t n, const int64_t* st) {
    T* o = out + off[0];
    const T* pa = a + off[1];
    const T* pb = b + off[2];
    if (st[0] == 1 && st[1] == 1 && st[2] == 1) {
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) o[i] = f(pa[i], pb[i]);
    } else if (st[0] == 1 && st[1] == 1 && st[2] == 0) {
      const T vb = *pb;
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) o[i] = f(pa[i], vb);
    } else if (st[0] == 1 && st[1] == 0 && st[2] == 1) {
      const T va = *pa;
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) o[i] = f(va, pb[i]);
    } else {
      for (int64_t i = 0; i < n; ++i) o[i * st[0]] = f(pa[i * st[1]], pb[i * st[2]]);
    }
  });
}

// f is firstprivate: each thread's copy holds the lambda's captures (LeakyReLU's slope, clamp's
// bounds) in registers; read through the shared closure they were conditional loads, and the
// select around them stayed a branch.
template <class T, class F>
void map(F f, T* y, const T* x, int64_t n) {
#pragma omp parallel for simd schedule(static) firstprivate(f) if (n > (1 << 16))
  for (int64_t i = 0; i < n; ++i) y[i] = f(x[i]);
}

// x or y is null when the derivative does not read it; f then ignores that argument, so g stands
// in for it and the loop has no branch.
template <class T, class F>
void map_backward(F f, T* gx, const T* g, const T* x, const T* y, int64_t n) {
  const T* xs = x ? x : g;
  const T* ys = y ? y : g;
#pragma omp parallel for simd schedule(static) firstprivate(f) if (n > (1 << 16))
  for (int64_t i = 0; i < n; ++i) gx[i] = g[i] * f(xs[i], ys[i]);
}

// log(1 + e^x) without overflow for large x.
template <class T>
T softplus_of(T x) {
  return x > T(0) ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

}  // namespace

template <class T>
void binary(BinaryOp op, T* out, const T* a, const T* b, const Layout<3>& layout) {
  switch (op) {
    case BinaryOp::add:
      return binary_loop([](T u, T v) { return u + v; }, out, a, b, layout);
    case BinaryOp::sub:
      return binary_loop([](T u, T v) { return u - v; }, out, a, b, layout);
    case BinaryOp::mul:
      return binary_loop([](T u, T v) { return u * v; }, out, a, b, layout);
    case BinaryOp::div:
      return binary_loop([](T u, T v) { return u / v; }, out, a, b, layout);
    case BinaryOp::pow:
      return binary_loop([](T u, T v) { return std::pow(u, v); }, out, a, b, layout);
  }
}

template <class T>
void unary(UnaryOp op, UnaryParams p, T* y, const T* x, int64_t n) {
  const T p0 = static_cast<T>(p.p0), p1 = static_cast<T>(p.p1);
  switch (op) {
    case UnaryOp::neg:
      return map([](T v) { return -v; }, y, x, n);
    case UnaryOp::exp:
      return map([](T v) { return std::exp(v); }, y, x, n);
    case UnaryOp::log:
      return map([](T v) { return std::log(v); }, y, x, n);
    case UnaryOp::sqrt:
      return map([](T v) { return std::sqrt(v); }, y, x, n);
    case UnaryOp::abs:
      return map([](T v) { return std::abs(v); }, y, x, n);
    case UnaryOp::clamp:
      return map([=](T v) { return v < p0 ? p0 : (v > p1 ? p1 : v); }, y, x, n);
    case UnaryOp::relu:
      return map([](T v) { return v > T(0) ? v : T(0); }, y, x, n);
    case UnaryOp::leaky_relu:
      return map([=](T v) { return v > T(0) ? v : p0 * v; }, y, x, n);
    case UnaryOp::tanh:
      return map([](T v) { return std::tanh(v); }, y, x, n);
    case UnaryOp::sigmoid:
      return map([](T v) { return T(1) / (T(1) + std::exp(-v)); }, y, x, n);
    case UnaryOp::softplus:
      return map([](T v) { return softplus_of(v); }, y, x, n);
    case UnaryOp::pow:
      return map([=](T v) { return std::pow(v, p0); }, y, x, n);
  }
}

template <class T>
void unary_backward(UnaryOp op, UnaryParams p, T* gx, const T* g, const T* x, const T* y,
                    int64_t n) {
  const T p0 = static_cast<T>(p.p0), p1 = static_cast<T>(p.p1);
  switch (op) {
    case UnaryOp::neg:
      return map_backward([](T, T) { return T(-1); }, gx, g, x, y, n);
    case UnaryOp::exp:
      return map_backward([](T, T v) { return v; }, gx, g, x, y, n);
    case UnaryOp::log:
      return map_backward([](T u, T) { return T(1) / u; }, gx, g, x, y, n);
    case UnaryOp::sqrt:
      return map_backward([](T, T v) { return T(0.5) / v; }, gx, g, x, y, n);
    case UnaryOp::abs:
      return map_backward([](T u, T) { return T((u > T(0)) - (u < T(0))); }, gx, g, x, y, n);
    case UnaryOp::clamp:
      return map_backward([=](T u, T) { return T(u >= p0 && u <= p1); }, gx, g, x, y, n);
    case UnaryOp::relu:
      return map_backward([](T u, T) { return T(u > T(0)); }, gx, g, x, y, n);
    case UnaryOp::leaky_relu:
      return map_backward([=](T u, T) { return u > T(0) ? T(1) : p0; }, gx, g, x, y, n);
    case UnaryOp::tanh:
      return map_backward([](T, T v) { return T(1) - v * v; }, gx, g, x, y, n);
    case UnaryOp::sigmoid:
      return map_backward([](T, T v) { return v * (T(1) - v); }, gx, g, x, y, n);
    case UnaryOp::softplus:
      return map_backward([](T u, T) { return T(1) / (T(1) + std::exp(-u)); }, gx, g, x, y, n);
    case UnaryOp::pow:
      return map_backward([=](T u, T) { return p0 * std::pow(u, p0 - T(1)); }, gx, g, x, y, n);
  }
}

#define GANLITE_ELEMENTWISE(T)                                                 \
  template void binary<T>(BinaryOp, T*, const T*, const T*, const Layout<3>&); \
  template void unary<T>(UnaryOp, UnaryParams, T*, const T*, int64_t);         \
  template void unary_backward<T>(UnaryOp, UnaryParams, T*, const T*, const T*, const T*, int64_t);
GANLITE_ELEMENTWISE(float)
GANLITE_ELEMENTWISE(double)

}  // namespace ganlite::cpu
