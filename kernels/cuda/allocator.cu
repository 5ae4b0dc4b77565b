// Caching allocator (see device.h); size classes from kernels/block_cache.h.
#include <cstdlib>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "kernels/cuda/device.h"
#include "kernels/cuda/stream.cuh"

namespace ganlite::cuda {
namespace {

struct Pool {
  std::mutex mu;
  std::map<size_t, std::vector<void*>> free;  // size class -> cached blocks
  std::unordered_map<void*, size_t> live;     // block -> size class
  MemoryStats stats;

  // Returns the free lists to the driver; at exit without throwing (the process is ending).
  void drop_cache(bool check = true) {
    for (auto& [size, blocks] : free)
      for (void* p : blocks) {
        cudaError_t err = cudaFree(p);
        if (check) GANLITE_CUDA_CHECK(err);
      }
    free.clear();
    stats.cached = 0;
  }
};

Pool& pool() {
  static Pool* p = new Pool;  // leaked on purpose: blocks may be released during static teardown
  return *p;
}

// Registered after the first cudaMalloc, hence after the runtime's own exit handler, so it runs
// first: compute-sanitizer's leak check then sees only blocks that static tensors still hold.
void drop_cache_at_exit() {
  Pool& pl = pool();
  std::lock_guard<std::mutex> lock(pl.mu);
  if (cudaStreamSynchronize(stream()) == cudaSuccess) pl.drop_cache(false);
}

}  // namespace

void* alloc(size_t bytes) {
  Pool& pl = pool();
  size_t sz = size_class(bytes);
  std::lock_guard<std::mutex> lock(pl.mu);
  void* p = nullptr;
  auto it = pl.free.find(sz);
  if (it != pl.free.end() && !it->second.empty()) {
    p = it->second.back();
    it->second.pop_back();
    pl.stats.cached -= sz;
  } else {
    cudaError_t err = cudaMalloc(&p, sz);
    if (err == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      GANLITE_CUDA_CHECK(cudaStreamSynchronize(stream()));
      pl.drop_cache();
      err = cudaMalloc(&p, sz);
    }
    if (err != cudaSuccess) {
      cudaGetLastError();
      GANLITE_FAIL("cuda alloc: cudaMalloc of ", sz, " bytes failed (", cudaGetErrorString(err),
                   "); in use ", pl.stats.in_use, " bytes, peak ", pl.stats.peak);
    }
    static const bool hooked = std::atexit(drop_cache_at_exit) == 0;
    (void)hooked;
    ++pl.stats.mallocs;
  }
  // GANLITE_CUDA_POISON=1 (the CUDA tests set it): every block starts as all-ones bits, NaN in
  // floats, so an output element a kernel forgot to write cannot pass for a right value.
  static const bool poison = std::getenv("GANLITE_CUDA_POISON") != nullptr;
  if (poison) GANLITE_CUDA_CHECK(cudaMemsetAsync(p, 0xFF, sz, stream()));
  pl.live[p] = sz;
  pl.stats.in_use += sz;
  pl.stats.peak = std::max(pl.stats.peak, pl.stats.in_use);
  return p;
}

void release(void* p) {
  if (!p) return;
  Pool& pl = pool();
  std::lock_guard<std::mutex> lock(pl.mu);
  auto it = pl.live.find(p);
  if (it == pl.live.end()) return;  // not ours: never happens through Storage
  size_t sz = it->second;
  pl.live.erase(it);
  pl.stats.in_use -= sz;
  pl.stats.cached += sz;
  pl.free[sz].push_back(p);
}

MemoryStats memory_stats() {
  std::lock_guard<std::mutex> lock(pool().mu);
  return pool().stats;
}

void reset_peak() {
  std::lock_guard<std::mutex> lock(pool().mu);
  pool().stats.peak = pool().stats.in_use;
}

void empty_cache() {
  Pool& pl = pool();
  std::lock_guard<std::mutex> lock(pl.mu);
  GANLITE_CUDA_CHECK(cudaStreamSynchronize(stream()));
  pl.drop_cache();
}

}  // namespace ganlite::cuda
