// Spatial kernels on contiguous (N*C, H, W) planes: reflection padding, nearest and bilinear
// upsampling by an integer factor, average and max pooling. Index rules follow PyTorch's CPU
// kernels (aten/src/ATen/native/UpSample.h for bilinear, AveragePool2d.cpp for the pooling
// divisor); each backward is the transpose of its forward, scatter-adding into a zeroed gradient.
#pragma once
#include <cstdint>

namespace ganlite::cpu {

struct Planes {
  int64_t planes = 1, h = 1, w = 1;  // input planes (N * C) of h x w
};

struct Pad2d {
  int64_t left = 0, right = 0, top = 0, bottom = 0;
};

struct Pool2d {
  int64_t kernel = 1, stride = 1, padding = 0;
  int64_t oh = 1, ow = 1;  // output size, floor((h + 2 * padding - kernel) / stride) + 1
};

// y: (planes, h + top + bottom, w + left + right); each pad < the padded dim.
template <class T>
void reflection_pad2d(T* y, const T* x, const Planes& in, const Pad2d& pad);
template <class T>
void reflection_pad2d_backward(T* gx, const T* g, const Planes& in, const Pad2d& pad);

// y: (planes, h * scale, w * scale); backward sums each scale x scale block.
template <class T>
void upsample_nearest2d(T* y, const T* x, const Planes& in, int64_t scale);
template <class T>
void upsample_nearest2d_backward(T* gx, const T* g, const Planes& in, int64_t scale);

// align_corners=false: src = (dst + 0.5) / scale - 0.5 clamped at 0, upper neighbour clamped.
template <class T>
void upsample_bilinear2d(T* y, const T* x, const Planes& in, int64_t scale);
template <class T>
void upsample_bilinear2d_backward(T* gx, const T* g, const Planes& in, int64_t scale);

// count_include_pad=true, ceil_mode=false.
template <class T>
void avg_pool2d(T* y, const T* x, const Planes& in, const Pool2d& p);
template <class T>
void avg_pool2d_backward(T* gx, const T* g, const Planes& in, const Pool2d& p);

// ceil_mode=false; padding counts as -inf (never chosen: padding <= kernel / 2 leaves every
// window an input element); as in PyTorch, of equal maxima the first in row-major order wins and
// a NaN is chosen over any number (the last NaN of the window). argmax: (planes, oh, ow), the
// chosen element's index h * w_in + w in its plane.
template <class T>
void max_pool2d(T* y, int64_t* argmax, const T* x, const Planes& in, const Pool2d& p);
// The pooling with the choice fixed, linear in x: y[o] = x[argmax[o]].
template <class T>
void max_pool2d_gather(T* y, const int64_t* argmax, const T* x, const Planes& in, const Pool2d& p);
// Its transpose (the gradient): gx[argmax[o]] += g[o], gx zeroed first.
template <class T>
void max_pool2d_scatter(T* gx, const int64_t* argmax, const T* g, const Planes& in,
                        const Pool2d& p);

}  // namespace ganlite::cpu
