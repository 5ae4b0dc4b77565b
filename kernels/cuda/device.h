// The CUDA device layer seen from plain C++ (no CUDA types here, so the engine can include it):
// device query, the one stream every kernel runs on, the caching allocator and copies.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "kernels/block_cache.h"

namespace ganlite::cuda {

struct DeviceInfo {
  std::string name;
  int major = 0, minor = 0;
  int sm_count = 0;
  size_t global_mem = 0;
};

// Number of usable devices; 0 (never an exception) when no driver or device answers, with the
// reason in *why.
int device_count(std::string* why = nullptr);
DeviceInfo device_info(int device);

// Waits for all work queued on the stream; rethrows an asynchronous kernel fault with file:line.
void synchronize();

// Device time between start() and stop() on the stream, from two CUDA events.
class EventTimer {
 public:
  EventTimer();
  ~EventTimer();
  EventTimer(const EventTimer&) = delete;
  EventTimer& operator=(const EventTimer&) = delete;
  void start();
  float stop_ms();  // records the end event, waits for it, returns the elapsed milliseconds

 private:
  void* begin_ = nullptr;  // cudaEvent_t, kept opaque so this header stays plain C++
  void* end_ = nullptr;
};

// Caching allocator: blocks are rounded to a size class and kept on free lists when released, so
// a training step after the first one calls cudaMalloc no more. Work runs on one stream, so a
// released block can be reused at once (stream order serialises the old and new user).
void* alloc(size_t bytes);
void release(void* p);
using MemoryStats = ganlite::MemoryStats;  // mallocs counts cudaMalloc calls
MemoryStats memory_stats();
void reset_peak();
void empty_cache();  // returns the free lists to the driver

// Copies between host and device memory (synchronous with respect to the host).
void copy_to_device(void* dst, const void* src, size_t bytes);
void copy_to_host(void* dst, const void* src, size_t bytes);
void copy_device(void* dst, const void* src, size_t bytes);

// y[i] = a * x[i] + y[i] on the device, copying in and out; checks the launch and the result.
void saxpy_roundtrip(float a, const float* x, float* y, int64_t n);

}  // namespace ganlite::cuda
