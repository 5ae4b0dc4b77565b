// Host memory for tensors, 64-byte aligned. Blocks of kCachedMin bytes and more are kept on free
// lists by size class (kernels/block_cache.h) when released and handed out again, as the CUDA
// allocator does: glibc serves such blocks with mmap and returns them on free, so every fresh
// one is page-faulted and zeroed by the kernel, page by page, on first touch. That was ~8 % of
// the cycles of the ngf-16 student's batch-16 forward (docs/results/cpu.md, "Host allocator").
// The free lists hold at most the cache limit (default: a quarter of physical memory, or
// GANLITE_HOST_CACHE_MB, read once); a release beyond it goes back to the system.
// GANLITE_CPU_POISON=1 (the test binary sets it) fills every block with all-ones bits (NaN in
// floats), so a kernel that leaves an output element unwritten cannot pass with stale data.
#pragma once
#include <cstddef>

#include "kernels/block_cache.h"

namespace ganlite::cpu {

constexpr size_t kCachedMin = size_t(1) << 17;

void* alloc(size_t bytes);
void release(void* p, size_t bytes);  // bytes as given to alloc
MemoryStats memory_stats();
void reset_peak();
void empty_cache();  // returns the free lists to the system
size_t cache_limit();
void set_cache_limit(size_t bytes);  // trims the free lists to the new limit

}  // namespace ganlite::cpu
