// The host caching allocator (kernels/cpu/allocator.h): reuse by size class, statistics, the
// cache limit, and the poison fill this binary turns on in its main().
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "engine/tensor.h"
#include "kernels/cpu/allocator.h"

using namespace ganlite;

TEST_CASE("large host blocks are reused by size class and counted", "[allocator]") {
  cpu::empty_cache();
  const size_t big = (size_t(3) << 20) + 100;  // size class 3.25 MiB (steps of 256 KiB)
  const size_t cls = size_class(big);
  REQUIRE(cls == (size_t(13) << 18));
  const MemoryStats s0 = cpu::memory_stats();
  void* a = cpu::alloc(big);
  REQUIRE(reinterpret_cast<uintptr_t>(a) % 64 == 0);
  MemoryStats s1 = cpu::memory_stats();
  CHECK(s1.in_use == s0.in_use + cls);
  CHECK(s1.mallocs == s0.mallocs + 1);
  cpu::release(a, big);
  CHECK(cpu::memory_stats().cached == s0.cached + cls);
  // Another request of the same class gets the cached block back without a system allocation.
  void* b = cpu::alloc(big - 50);
  CHECK(b == a);
  CHECK(cpu::memory_stats().mallocs == s1.mallocs);
  CHECK(cpu::memory_stats().cached == s0.cached);
  cpu::release(b, big - 50);
  cpu::empty_cache();
  CHECK(cpu::memory_stats().cached == 0);
  CHECK(cpu::memory_stats().in_use == s0.in_use);
}

TEST_CASE("small host blocks are not cached; the cache limit is kept", "[allocator]") {
  cpu::empty_cache();
  void* small = cpu::alloc(1000);
  cpu::release(small, 1000);
  CHECK(cpu::memory_stats().cached == 0);
  const size_t before = cpu::cache_limit();
  const size_t mb = size_t(1) << 20;
  void* x = cpu::alloc(mb);
  void* y = cpu::alloc(2 * mb);
  cpu::set_cache_limit(2 * mb);
  cpu::release(x, mb);
  cpu::release(y, 2 * mb);  // would make 3 MiB cached: freed instead
  CHECK(cpu::memory_stats().cached == mb);
  cpu::set_cache_limit(0);  // trims what is cached
  CHECK(cpu::memory_stats().cached == 0);
  cpu::set_cache_limit(before);
}

TEST_CASE("tensors draw from the cache, and fresh host memory is poisoned in the tests",
          "[allocator]") {
  const int64_t n = 1 << 20;  // 4 MiB of floats
  const float* first;
  {
    Tensor t = empty({n});
    first = t.data<float>();
    CHECK(std::isnan(first[0]));
    CHECK(std::isnan(first[n - 1]));
    t.fill_(1.0);
  }
  Tensor u = empty({n});
  CHECK(u.data<float>() == first);
  CHECK(std::isnan(u.data<float>()[n / 2]));  // poisoned again, not the old 1.0
}
