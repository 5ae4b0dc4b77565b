// Version "im2col_gemm": the CPU's algorithm on the device. Images are taken in chunks of nb
// whose buffers fit kChunkBytes; per chunk and group g:
//   fprop  Y_g (K/g, nb*P*Q) = W_g (K/g, C/g*R*S) @ col_g (C/g*R*S, nb*P*Q)
//   dgrad  col_g = W_g^T @ dY_g, then col2im writes col_g's sums onto dx
//   wgrad  dW_g += dY_g @ col_g^T
// with im2col/col2im kernels (im2col.cu) and cuBLAS FP32/FP64 GEMMs (kernels/cuda/gemm.h). The
// GEMMs see a chunk of y or dy as (K, nb*P*Q); two copy kernels move it from and to (nb, K, P*Q),
// adding the bias on the way out. Every shape, any groups (one GEMM per group).
#include <algorithm>

#include "kernels/cuda/conv/registry.h"
#include "kernels/cuda/copy.h"
#include "kernels/cuda/device.h"
#include "kernels/cuda/gemm.h"
#include "kernels/cuda/stream.cuh"

namespace ganlite::cuda::conv {
namespace {

// Column buffer plus chunk buffer: large enough for wide GEMMs, small next to an H100's memory.
constexpr int64_t kChunkBytes = int64_t(256) << 20;

// Device memory for the duration of a call; the single stream orders its reuse.
template <class T>
class Scratch {
 public:
  explicit Scratch(int64_t n) : p_(static_cast<T*>(alloc(std::max<int64_t>(n, 1) * sizeof(T)))) {}
  ~Scratch() { release(p_); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  T* get() const { return p_; }

 private:
  T* p_;
};

// buf (K, nb, PQ) <- t (nb, K, PQ), images n0.. of t.
template <class T>
__global__ void gather_kernel(const T* t, int64_t k, int64_t nb, int64_t pq, T* buf) {
  const int64_t n = nb * k * pq;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t img = i / (k * pq), ch = i / pq % k, j = i % pq;
    buf[(ch * nb + img) * pq + j] = t[i];
  }
}

// t (nb, K, PQ) <- buf (K, nb, PQ) + bias (may be null).
template <class T>
__global__ void scatter_kernel(const T* buf, const T* bias, int64_t k, int64_t nb, int64_t pq,
                               T* t) {
  const int64_t n = nb * k * pq;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t img = i / (k * pq), ch = i / pq % k, j = i % pq;
    t[i] = buf[(ch * nb + img) * pq + j] + (bias ? bias[ch] : T(0));
  }
}

struct Plan {
  int64_t g_c, g_k, crs, pq, nb;
};

Plan plan(const ConvShape& cs, int64_t elem_bytes) {
  Plan pl;
  pl.g_c = cs.c / cs.groups, pl.g_k = cs.k / cs.groups, pl.crs = pl.g_c * cs.r * cs.s;
  pl.pq = cs.p * cs.q;
  const int64_t per_image = std::max<int64_t>(1, (pl.crs + cs.k) * pl.pq * elem_bytes);
  pl.nb = std::clamp<int64_t>(kChunkBytes / per_image, 1, std::max<int64_t>(cs.n, 1));
  return pl;
}

template <class T>
void fprop(const ConvShape& cs, const T* x, const T* w, const T* bias, T* y) {
  const Plan pl = plan(cs, sizeof(T));
  Scratch<T> col(pl.crs * pl.nb * pl.pq), buf(cs.k * pl.nb * pl.pq);
  for (int64_t n0 = 0; n0 < cs.n; n0 += pl.nb) {
    const int64_t nb = std::min(pl.nb, cs.n - n0), cols = nb * pl.pq;
    for (int64_t g = 0; g < cs.groups; ++g) {
      cuda::im2col(cs, x + n0 * cs.c * cs.h * cs.w, nb, g * pl.g_c, pl.g_c, col.get());
      gemm<T>(false, false, pl.g_k, cols, pl.crs, T(1), w + g * pl.g_k * pl.crs, pl.crs, col.get(),
              cols, T(0), buf.get() + g * pl.g_k * cols, cols);
    }
    scatter_kernel<<<grid_for(cs.k * cols), kThreads, 0, stream()>>>(buf.get(), bias, cs.k, nb,
                                                                     pl.pq, y + n0 * cs.k * pl.pq);
    GANLITE_LAUNCH_CHECK();
  }
}

template <class T>
void dgrad(const ConvShape& cs, const T* dy, const T* w, T* dx) {
  const Plan pl = plan(cs, sizeof(T));
  Scratch<T> col(pl.crs * pl.nb * pl.pq), buf(cs.k * pl.nb * pl.pq);
  for (int64_t n0 = 0; n0 < cs.n; n0 += pl.nb) {
    const int64_t nb = std::min(pl.nb, cs.n - n0), cols = nb * pl.pq;
    gather_kernel<<<grid_for(cs.k * cols), kThreads, 0, stream()>>>(dy + n0 * cs.k * pl.pq, cs.k,
                                                                    nb, pl.pq, buf.get());
    GANLITE_LAUNCH_CHECK();
    for (int64_t g = 0; g < cs.groups; ++g) {
      gemm<T>(true, false, pl.crs, cols, pl.g_k, T(1), w + g * pl.g_k * pl.crs, pl.crs,
              buf.get() + g * pl.g_k * cols, cols, T(0), col.get(), cols);
      col2im_into(cs, col.get(), nb, g * pl.g_c, pl.g_c, dx + n0 * cs.c * cs.h * cs.w, false);
    }
  }
}

template <class T>
void wgrad(const ConvShape& cs, const T* x, const T* dy, T* dw) {
  const Plan pl = plan(cs, sizeof(T));
  if (cs.n == 0) {
    fill(dw, cs.k * pl.crs, 0.0);
    return;
  }
  Scratch<T> col(pl.crs * pl.nb * pl.pq), buf(cs.k * pl.nb * pl.pq);
  for (int64_t n0 = 0; n0 < cs.n; n0 += pl.nb) {
    const int64_t nb = std::min(pl.nb, cs.n - n0), cols = nb * pl.pq;
    gather_kernel<<<grid_for(cs.k * cols), kThreads, 0, stream()>>>(dy + n0 * cs.k * pl.pq, cs.k,
                                                                    nb, pl.pq, buf.get());
    GANLITE_LAUNCH_CHECK();
    for (int64_t g = 0; g < cs.groups; ++g) {
      cuda::im2col(cs, x + n0 * cs.c * cs.h * cs.w, nb, g * pl.g_c, pl.g_c, col.get());
      // The first chunk overwrites dw, later ones add onto it.
      gemm<T>(false, true, pl.g_k, pl.crs, cols, T(1), buf.get() + g * pl.g_k * cols, cols,
              col.get(), cols, n0 == 0 ? T(0) : T(1), dw + g * pl.g_k * pl.crs, pl.crs);
    }
  }
}

bool any_shape(const ConvShape&) {
  return true;
}

}  // namespace

const Version& im2col_gemm() {
  static const Version v{"im2col_gemm",
                         any_shape,
                         {fprop<float>, dgrad<float>, wgrad<float>},
                         {fprop<double>, dgrad<double>, wgrad<double>}};
  return v;
}

}  // namespace ganlite::cuda::conv
