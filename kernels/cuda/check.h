// Error checking for every CUDA runtime and cuBLAS call and after every kernel launch; failures
// throw ganlite::Error with the call, the CUDA message and file:line.
#pragma once
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include "engine/error.h"

#define GANLITE_CUDA_CHECK(call)                                                    \
  do {                                                                              \
    cudaError_t err_ = (call);                                                      \
    if (err_ != cudaSuccess)                                                        \
      ::ganlite::detail::throw_error(                                               \
          __FILE__, __LINE__,                                                       \
          ::ganlite::detail::concat(#call, " failed: ", cudaGetErrorString(err_))); \
  } while (0)

#define GANLITE_CUBLAS_CHECK(call)                                                    \
  do {                                                                                \
    cublasStatus_t st_ = (call);                                                      \
    if (st_ != CUBLAS_STATUS_SUCCESS)                                                 \
      ::ganlite::detail::throw_error(                                                 \
          __FILE__, __LINE__,                                                         \
          ::ganlite::detail::concat(#call, " failed: ", cublasGetStatusString(st_))); \
  } while (0)

// After a <<<>>> launch: catches bad launch configurations at once (asynchronous faults surface
// at the next synchronising call, which is checked too).
#define GANLITE_LAUNCH_CHECK() GANLITE_CUDA_CHECK(cudaGetLastError())
