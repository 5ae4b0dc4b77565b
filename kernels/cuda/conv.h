// 2-D convolution on the device: same signatures as kernels/cpu/conv.h, in several versions
// (kernels/cuda/conv/, one file each) behind a registry. Each call picks a version: the one
// forced by set_conv_version(), else the one named by GANLITE_CONV_VERSION (read at every call),
// else the automatic choice; a forced version that does not handle the shape, pass or dtype
// falls back to the automatic choice for that call (conv_version_for says what runs).
#pragma once
#include <string>
#include <vector>

#include "kernels/cpu/conv.h"

namespace ganlite::cuda {

using cpu::ConvShape;

template <class T>
void im2col(const ConvShape& cs, const T* x, int64_t nb, int64_t c0, int64_t nc, T* col);

template <class T>
void col2im(const ConvShape& cs, const T* col, int64_t nb, int64_t c0, int64_t nc, T* x);

template <class T>
void conv_fprop(const ConvShape& cs, const T* x, const T* w, const T* bias, T* y);

// What a fused forward applies to each output element of channel k before it is stored:
// y = act(scale[k] * (conv + bias[k])); a null bias or scale is left out. `scale` is the
// per-channel mask of a masked convolution.
enum class ConvAct { none, relu, leaky_relu };
struct ConvEpilogue {
  const float* bias = nullptr;
  const float* scale = nullptr;
  ConvAct act = ConvAct::none;
  float slope = 0.2f;  // leaky_relu's negative slope
};

// conv_fprop with the epilogue applied: inside the kernel's store where the chosen version fuses
// it (simt_tiled, tf32_mma), else as one more pass over y.
void conv_fprop_fused(const ConvShape& cs, const float* x, const float* w, const ConvEpilogue& ep,
                      float* y);

template <class T>
void conv_dgrad(const ConvShape& cs, const T* dy, const T* w, T* dx);

template <class T>
void conv_wgrad(const ConvShape& cs, const T* x, const T* dy, T* dw);

template <class T>
void add_channel_bias(T* y, const T* b, int64_t n, int64_t c, int64_t hw);

template <class T>
void channel_sum(const T* dy, int64_t n, int64_t c, int64_t hw, T* db);

enum class ConvPass { fprop, dgrad, wgrad };

// The registered versions' names (the automatic choice: kernels/cuda/conv/registry.cu).
std::vector<std::string> conv_versions();
// Forces a version by name for all later calls; "" returns to GANLITE_CONV_VERSION or automatic.
// Unknown names throw ganlite::Error listing the known ones.
void set_conv_version(const std::string& name);
// The version a call of `pass` on T (float or double) runs for cs under the current setting.
template <class T>
std::string conv_version_for(const ConvShape& cs, ConvPass pass);

}  // namespace ganlite::cuda
