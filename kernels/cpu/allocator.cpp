#include "kernels/cpu/allocator.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include "engine/error.h"

namespace ganlite::cpu {
namespace {

size_t physical_memory() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<size_t>(pages) * page : 0;
}

size_t default_limit() {
  if (const char* env = std::getenv("GANLITE_HOST_CACHE_MB"))
    return static_cast<size_t>(std::strtoull(env, nullptr, 10)) << 20;
  const size_t mem = physical_memory();
  return mem > 0 ? mem / 4 : size_t(1) << 30;
}

std::string gib(size_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f GiB", double(bytes) / double(size_t(1) << 30));
  return buf;
}

struct Pool {
  std::mutex mu;
  std::map<size_t, std::vector<void*>> free;  // size class -> cached blocks
  MemoryStats stats;
  size_t limit = default_limit();

  // Frees cached blocks, largest first, until at most `keep` bytes stay cached.
  void trim(size_t keep) {
    while (stats.cached > keep && !free.empty()) {
      auto last = std::prev(free.end());
      for (; !last->second.empty() && stats.cached > keep; last->second.pop_back()) {
        std::free(last->second.back());
        stats.cached -= last->first;
      }
      if (last->second.empty()) free.erase(last);
    }
  }
};

Pool& pool() {
  static Pool* p = new Pool;  // leaked on purpose: tensors may be released during static teardown
  return *p;
}

// Rounded so that aligned_alloc's size is a multiple of the alignment, as it requires.
size_t rounded(size_t bytes) {
  return bytes >= kCachedMin ? size_class(bytes) : (std::max<size_t>(bytes, 1) + 63) / 64 * 64;
}

}  // namespace

void* alloc(size_t bytes) {
  Pool& pl = pool();
  const size_t sz = rounded(bytes);
  void* p = nullptr;
  {
    std::lock_guard<std::mutex> lock(pl.mu);
    auto it = sz >= kCachedMin ? pl.free.find(sz) : pl.free.end();
    if (it != pl.free.end() && !it->second.empty()) {
      p = it->second.back();
      it->second.pop_back();
      pl.stats.cached -= sz;
    } else {
      // Tensors beyond the machine's memory would not fail here (the kernel overcommits) but get
      // the process killed when first touched: an error instead, which callers turn into one
      // naming the field that asked for the size.
      static const size_t mem = physical_memory();
      if (mem > 0 && pl.stats.in_use + pl.stats.cached + sz > mem) pl.trim(0);
      GANLITE_CHECK(mem == 0 || pl.stats.in_use + sz <= mem, "host memory: a tensor of ", gib(sz),
                    " would bring the tensors in use to ", gib(pl.stats.in_use + sz),
                    ", more than this machine's ", gib(mem));
      p = std::aligned_alloc(64, sz);
      if (!p && pl.stats.cached > 0) {
        pl.trim(0);
        p = std::aligned_alloc(64, sz);
      }
      if (!p) throw std::bad_alloc();
      ++pl.stats.mallocs;
    }
    pl.stats.in_use += sz;
    pl.stats.peak = std::max(pl.stats.peak, pl.stats.in_use);
  }
  static const bool poison = std::getenv("GANLITE_CPU_POISON") != nullptr;
  if (poison) std::memset(p, 0xFF, sz);
  return p;
}

void release(void* p, size_t bytes) {
  if (!p) return;
  Pool& pl = pool();
  const size_t sz = rounded(bytes);
  std::lock_guard<std::mutex> lock(pl.mu);
  pl.stats.in_use -= sz;
  if (sz < kCachedMin || pl.stats.cached + sz > pl.limit) {
    std::free(p);
    return;
  }
  pl.free[sz].push_back(p);
  pl.stats.cached += sz;
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
  std::lock_guard<std::mutex> lock(pool().mu);
  pool().trim(0);
}

size_t cache_limit() {
  std::lock_guard<std::mutex> lock(pool().mu);
  return pool().limit;
}

void set_cache_limit(size_t bytes) {
  std::lock_guard<std::mutex> lock(pool().mu);
  pool().limit = bytes;
  pool().trim(bytes);
}

}  // namespace ganlite::cpu
