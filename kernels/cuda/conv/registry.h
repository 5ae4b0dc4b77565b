// The convolution versions seen by the registry: each has a name, a predicate on the shape and
// its entry points per dtype, null where the version does not implement that pass or dtype.
#pragma once
#include "kernels/cuda/conv.h"

namespace ganlite::cuda::conv {

template <class T>
struct Entries {
  void (*fprop)(const ConvShape&, const T* x, const T* w, const T* bias, T* y) = nullptr;
  void (*dgrad)(const ConvShape&, const T* dy, const T* w, T* dx) = nullptr;
  void (*wgrad)(const ConvShape&, const T* x, const T* dy, T* dw) = nullptr;
};

struct Version {
  const char* name;
  bool (*supports)(const ConvShape&);
  Entries<float> f32;
  Entries<double> f64;
  // The forward with its epilogue in the kernel's store; null where the version has none.
  void (*fprop_fused)(const ConvShape&, const float* x, const float* w, const ConvEpilogue&,
                      float* y) = nullptr;
};

// Defined in the version's own file.
const Version& direct();
const Version& im2col_gemm();
const Version& implicit_gemm();
const Version& simt_tiled();
const Version& tf32_mma();

// y = act(scale[k] * y) over (N, K, P, Q): the rest of an epilogue whose bias the version's
// fprop added (bias.cu).
void scale_activate(const ConvShape& cs, const ConvEpilogue& ep, float* y);

// Device helpers shared by the versions (im2col.cu).
// x (nb, ., H, W) planes c0.. += or = the column entries that were read from each pixel.
template <class T>
void col2im_into(const ConvShape& cs, const T* col, int64_t nb, int64_t c0, int64_t nc, T* x,
                 bool accumulate);

}  // namespace ganlite::cuda::conv
