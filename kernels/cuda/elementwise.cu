// Elementwise kernels. One grid-stride kernel per shape of access: dense operands take 16-byte
// vector loads (float4 / double2) when aligned, broadcast and strided ones walk the coalesced
// layout. The op is a device lambda, so each op compiles to its own straight-line kernel.
#include <cmath>

#include "kernels/cuda/elementwise.h"
#include "kernels/cuda/stream.cuh"
#include "kernels/cuda/strided.cuh"

namespace ganlite::cuda {
namespace {

template <class T>
struct Vec;  // 16 bytes of T
template <>
struct Vec<float> {
  using type = float4;
  static constexpr int width = 4;
};
template <>
struct Vec<double> {
  using type = double2;
  static constexpr int width = 2;
};

template <class T>
__device__ inline T lane(const typename Vec<T>::type& v, int k) {
  return reinterpret_cast<const T*>(&v)[k];
}

inline bool aligned16(const void* p) {
  return (reinterpret_cast<uintptr_t>(p) & 15) == 0;
}

// y[i] = f(x1[i], x2[i]) over dense arrays, 16-byte loads; n is a multiple of the width.
template <class T, class F>
__global__ void map2_vec_kernel(F f, T* y, const T* x1, const T* x2, int64_t nvec) {
  using V = typename Vec<T>::type;
  constexpr int W = Vec<T>::width;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < nvec;
       i += int64_t(gridDim.x) * blockDim.x) {
    V a = reinterpret_cast<const V*>(x1)[i];
    V b = x2 ? reinterpret_cast<const V*>(x2)[i] : a;
    V out;
#pragma unroll
    for (int k = 0; k < W; ++k) reinterpret_cast<T*>(&out)[k] = f(lane<T>(a, k), lane<T>(b, k));
    reinterpret_cast<V*>(y)[i] = out;
  }
}

template <class T, class F>
__global__ void map2_kernel(F f, T* y, const T* x1, const T* x2, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    y[i] = f(x1[i], x2 ? x2[i] : x1[i]);
}

template <class T>
struct NoDeduce {
  using type = T;
};

// y = f(x1, x2) elementwise over dense arrays; x2 may be null (unary maps).
template <class T, class F>
void map2(F f, T* y, const T* x1, const typename NoDeduce<T>::type* x2, int64_t n) {
  if (n == 0) return;
  constexpr int W = Vec<T>::width;
  if (n % W == 0 && aligned16(y) && aligned16(x1) && (!x2 || aligned16(x2))) {
    map2_vec_kernel<<<grid_for(n / W), kThreads, 0, stream()>>>(f, y, x1, x2, n / W);
  } else {
    map2_kernel<<<grid_for(n), kThreads, 0, stream()>>>(f, y, x1, x2, n);
  }
  GANLITE_LAUNCH_CHECK();
}

template <class T, class F>
__global__ void binary_strided_kernel(F f, T* out, const T* a, const T* b, Layout<3> l, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t off[3];
    layout_offsets(l, i, off);
    out[off[0]] = f(a[off[1]], b[off[2]]);
  }
}

template <class T, class F>
void binary_loop(F f, T* out, const T* a, const T* b, const Layout<3>& layout) {
  Layout<3> l = cpu::coalesce(layout);
  int64_t n = layout_numel(l);
  if (n == 0) return;
  if (layout_dense(l)) return map2(f, out, a, b, n);
  binary_strided_kernel<<<grid_for(n), kThreads, 0, stream()>>>(f, out, a, b, l, n);
  GANLITE_LAUNCH_CHECK();
}

// gx = g * d(x, y): the derivative reads x or y (whichever the op's formula needs).
template <class T, class D>
__global__ void backward_kernel(D d, T* gx, const T* g, const T* x, const T* y, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    gx[i] = g[i] * d(x ? x[i] : T(0), y ? y[i] : T(0));
}

template <class T, class D>
void map_backward(D d, T* gx, const T* g, const T* x, const T* y, int64_t n) {
  if (n == 0) return;
  backward_kernel<<<grid_for(n), kThreads, 0, stream()>>>(d, gx, g, x, y, n);
  GANLITE_LAUNCH_CHECK();
}

template <class T>
__device__ inline T softplus_of(T x) {
  return x > T(0) ? x + log1p(exp(-x)) : log1p(exp(x));
}

}  // namespace

template <class T>
void binary(BinaryOp op, T* out, const T* a, const T* b, const Layout<3>& layout) {
  switch (op) {
    case BinaryOp::add:
      return binary_loop([] __device__(T u, T v) { return u + v; }, out, a, b, layout);
    case BinaryOp::sub:
      return binary_loop([] __device__(T u, T v) { return u - v; }, out, a, b, layout);
    case BinaryOp::mul:
      return binary_loop([] __device__(T u, T v) { return u * v; }, out, a, b, layout);
    case BinaryOp::div:
      return binary_loop([] __device__(T u, T v) { return u / v; }, out, a, b, layout);
    case BinaryOp::pow:
      return binary_loop([] __device__(T u, T v) { return pow(u, v); }, out, a, b, layout);
  }
}

template <class T>
void unary(UnaryOp op, UnaryParams p, T* y, const T* x, int64_t n) {
  const T p0 = static_cast<T>(p.p0), p1 = static_cast<T>(p.p1);
  switch (op) {
    case UnaryOp::neg:
      return map2([] __device__(T v, T) { return -v; }, y, x, nullptr, n);
    case UnaryOp::exp:
      return map2([] __device__(T v, T) { return exp(v); }, y, x, nullptr, n);
    case UnaryOp::log:
      return map2([] __device__(T v, T) { return log(v); }, y, x, nullptr, n);
    case UnaryOp::sqrt:
      return map2([] __device__(T v, T) { return sqrt(v); }, y, x, nullptr, n);
    case UnaryOp::abs:
      return map2([] __device__(T v, T) { return fabs(v); }, y, x, nullptr, n);
    case UnaryOp::clamp:
      return map2([=] __device__(T v, T) { return v < p0 ? p0 : (v > p1 ? p1 : v); }, y, x, nullptr,
                  n);
    case UnaryOp::relu:
      return map2([] __device__(T v, T) { return v > T(0) ? v : T(0); }, y, x, nullptr, n);
    case UnaryOp::leaky_relu:
      return map2([=] __device__(T v, T) { return v > T(0) ? v : p0 * v; }, y, x, nullptr, n);
    case UnaryOp::tanh:
      return map2([] __device__(T v, T) { return tanh(v); }, y, x, nullptr, n);
    case UnaryOp::sigmoid:
      return map2([] __device__(T v, T) { return T(1) / (T(1) + exp(-v)); }, y, x, nullptr, n);
    case UnaryOp::softplus:
      return map2([] __device__(T v, T) { return softplus_of(v); }, y, x, nullptr, n);
    case UnaryOp::pow:
      return map2([=] __device__(T v, T) { return pow(v, p0); }, y, x, nullptr, n);
  }
}

template <class T>
void unary_backward(UnaryOp op, UnaryParams p, T* gx, const T* g, const T* x, const T* y,
                    int64_t n) {
  const T p0 = static_cast<T>(p.p0), p1 = static_cast<T>(p.p1);
  switch (op) {
    case UnaryOp::neg:
      return map_backward([] __device__(T, T) { return T(-1); }, gx, g, x, y, n);
    case UnaryOp::exp:
      return map_backward([] __device__(T, T v) { return v; }, gx, g, x, y, n);
    case UnaryOp::log:
      return map_backward([] __device__(T u, T) { return T(1) / u; }, gx, g, x, y, n);
    case UnaryOp::sqrt:
      return map_backward([] __device__(T, T v) { return T(0.5) / v; }, gx, g, x, y, n);
    case UnaryOp::abs:
      return map_backward([] __device__(T u, T) { return T((u > T(0)) - (u < T(0))); }, gx, g, x, y,
                          n);
    case UnaryOp::clamp:
      return map_backward([=] __device__(T u, T) { return T(u >= p0 && u <= p1); }, gx, g, x, y, n);
    case UnaryOp::relu:
      return map_backward([] __device__(T u, T) { return T(u > T(0)); }, gx, g, x, y, n);
    case UnaryOp::leaky_relu:
      return map_backward([=] __device__(T u, T) { return u > T(0) ? T(1) : p0; }, gx, g, x, y, n);
    case UnaryOp::tanh:
      return map_backward([] __device__(T, T v) { return T(1) - v * v; }, gx, g, x, y, n);
    case UnaryOp::sigmoid:
      return map_backward([] __device__(T, T v) { return v * (T(1) - v); }, gx, g, x, y, n);
    case UnaryOp::softplus:
      return map_backward([] __device__(T u, T) { return T(1) / (T(1) + exp(-u)); }, gx, g, x, y,
                          n);
    case UnaryOp::pow:
      return map_backward([=] __device__(T u, T) { return p0 * pow(u, p0 - T(1)); }, gx, g, x, y,
                          n);
  }
}

#define GANLITE_ELEMENTWISE(T)                                                 \
  template void binary<T>(BinaryOp, T*, const T*, const T*, const Layout<3>&); \
  template void unary<T>(UnaryOp, UnaryParams, T*, const T*, int64_t);         \
  template void unary_backward<T>(UnaryOp, UnaryParams, T*, const T*, const T*, const T*, int64_t);
GANLITE_ELEMENTWISE(float)
GANLITE_ELEMENTWISE(double)

}  // namespace ganlite::cuda
