// Row reductions on the device. A block reduces one chunk of one row; rows too few to fill the
// device are cut into several chunks, whose partial results a second pass combines. Sums
// accumulate in double, as on the CPU, so f32 sums over long rows stay accurate.
#include <algorithm>
#include <limits>

#include "kernels/cuda/block_reduce.cuh"
#include "kernels/cuda/device.h"
#include "kernels/cuda/reduce.h"
#include "kernels/cuda/stream.cuh"

namespace ganlite::cuda {
namespace {

// Device memory for partial results, given back when the pass is queued (the one stream orders
// its reuse after the kernels that read it).
template <class A>
class Scratch {
 public:
  explicit Scratch(int64_t n) : p_(static_cast<A*>(alloc(static_cast<size_t>(n) * sizeof(A)))) {}
  ~Scratch() { release(p_); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  A* get() const { return p_; }

 private:
  A* p_;
};

template <class A>
struct StorePartial {
  A* p;
  __device__ void operator()(int64_t task, A v) const { p[task] = v; }
};

template <class A>
struct LoadPartial {
  const A* p;
  int64_t splits;
  __device__ A operator()(int64_t r, int64_t c) const { return p[r * splits + c]; }
};

// Task t reduces columns [chunk * (t % splits), ...) of row t / splits: load(r, c) reads one
// element, store(t, acc) writes the task's result.
template <class A, class Op, class Load, class Store>
__global__ void chunks_kernel(A identity, Op op, Load load, Store store, int64_t rows, int64_t cols,
                              int64_t splits, int64_t chunk) {
  for (int64_t t = blockIdx.x; t < rows * splits; t += gridDim.x) {
    const int64_t r = t / splits, c0 = (t % splits) * chunk;
    const int64_t c1 = c0 + chunk < cols ? c0 + chunk : cols;
    A acc = identity;
    for (int64_t c = c0 + threadIdx.x; c < c1; c += blockDim.x) acc = op(acc, load(r, c));
    acc = block_reduce(acc, op, identity);
    if (threadIdx.x == 0) store(t, acc);
  }
}

template <class A, class Op, class Load, class Store>
void launch_chunks(A identity, Op op, Load load, Store store, int64_t rows, int64_t cols,
                   int64_t splits) {
  const int64_t chunk = (cols + splits - 1) / splits;
  chunks_kernel<<<grid_for(rows * splits, 1), threads_for_row(chunk), 0, stream()>>>(
      identity, op, load, store, rows, cols, splits, chunk);
  GANLITE_LAUNCH_CHECK();
}

int sm_count() {
  static const int n = device_info(0).sm_count;
  return n;
}

// Chunks per row: enough blocks for a few per SM, none shorter than kMinChunk elements.
int64_t splits_for(int64_t rows, int64_t cols) {
  constexpr int64_t kMinChunk = 4096;
  const int64_t target = 4 * static_cast<int64_t>(sm_count());
  if (rows >= target || cols < 2 * kMinChunk) return 1;
  return std::min((target + rows - 1) / rows, cols / kMinChunk);
}

// finish(r, acc) receives row r's reduction of load(r, c) over c < cols.
template <class A, class Op, class Load, class Finish>
void reduce_rows(A identity, Op op, Load load, Finish finish, int64_t rows, int64_t cols) {
  if (rows == 0) return;
  const int64_t splits = splits_for(rows, cols);
  if (splits == 1) return launch_chunks(identity, op, load, finish, rows, cols, 1);
  Scratch<A> part(rows * splits);
  launch_chunks(identity, op, load, StorePartial<A>{part.get()}, rows, cols, splits);
  launch_chunks(identity, op, LoadPartial<A>{part.get(), splits}, finish, rows, splits, 1);
}

// Block per row: count the row's maxima, then share its gradient among them.
template <class T>
__global__ void max_backward_kernel(T* gx, const T* g, const T* x, const T* y, int64_t rows,
                                    int64_t cols) {
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* p = x + r * cols;
    T* q = gx + r * cols;
    const T m = y[r];
    int64_t ties = 0;
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) ties += p[c] == m;
    ties = block_reduce(ties, Add(), int64_t(0));
    const T share = g[r] / static_cast<T>(ties);
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) q[c] = p[c] == m ? share : T(0);
  }
}

}  // namespace

template <class T>
void sum_rows(T* out, const T* x, int64_t rows, int64_t cols) {
  reduce_rows(
      0.0, Add(), [=] __device__(int64_t r, int64_t c) { return double(x[r * cols + c]); },
      [=] __device__(int64_t r, double s) { out[r] = static_cast<T>(s); }, rows, cols);
}

template <class T>
void mean_rows(T* out, const T* x, int64_t rows, int64_t cols) {
  reduce_rows(
      0.0, Add(), [=] __device__(int64_t r, int64_t c) { return double(x[r * cols + c]); },
      [=] __device__(int64_t r, double s) {
        out[r] = static_cast<T>(s) / static_cast<T>(cols);  // rounded as the CPU's
      },
      rows, cols);
}

template <class T>
void max_rows(T* out, const T* x, int64_t rows, int64_t cols) {
  reduce_rows(
      -std::numeric_limits<T>::infinity(), Max(),
      [=] __device__(int64_t r, int64_t c) { return x[r * cols + c]; },
      [=] __device__(int64_t r, T m) { out[r] = m; }, rows, cols);
}

template <class T>
void var_rows(T* out, const T* x, int64_t rows, int64_t cols, int64_t correction) {
  if (rows == 0) return;
  // Two passes, as on the CPU: the mean, then the squared deviations from it.
  Scratch<double> mean(rows);
  double* m = mean.get();
  reduce_rows(
      0.0, Add(), [=] __device__(int64_t r, int64_t c) { return double(x[r * cols + c]); },
      [=] __device__(int64_t r, double s) { m[r] = s / static_cast<double>(cols); }, rows, cols);
  reduce_rows(
      0.0, Add(),
      [=] __device__(int64_t r, int64_t c) {
        const double d = x[r * cols + c] - m[r];
        return d * d;
      },
      [=] __device__(int64_t r, double ss) {
        out[r] = static_cast<T>(ss / static_cast<double>(cols - correction));
      },
      rows, cols);
}

template <class T>
void max_rows_backward(T* gx, const T* g, const T* x, const T* y, int64_t rows, int64_t cols) {
  if (rows == 0 || cols == 0) return;
  max_backward_kernel<<<grid_for(rows, 1), threads_for_row(cols), 0, stream()>>>(gx, g, x, y, rows,
                                                                                 cols);
  GANLITE_LAUNCH_CHECK();
}

#define GANLITE_REDUCE(T)                                             \
  template void sum_rows<T>(T*, const T*, int64_t, int64_t);          \
  template void mean_rows<T>(T*, const T*, int64_t, int64_t);         \
  template void max_rows<T>(T*, const T*, int64_t, int64_t);          \
  template void var_rows<T>(T*, const T*, int64_t, int64_t, int64_t); \
  template void max_rows_backward<T>(T*, const T*, const T*, const T*, int64_t, int64_t);
GANLITE_REDUCE(float)
GANLITE_REDUCE(double)

}  // namespace ganlite::cuda
