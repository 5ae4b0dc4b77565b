// Spatial kernels on the device: same signatures and contracts as kernels/cpu/spatial.h.
#pragma once
#include "kernels/cpu/spatial.h"

namespace ganlite::cuda {

using cpu::Pad2d;
using cpu::Planes;
using cpu::Pool2d;

template <class T>
void reflection_pad2d(T* y, const T* x, const Planes& in, const Pad2d& pad);
template <class T>
void reflection_pad2d_backward(T* gx, const T* g, const Planes& in, const Pad2d& pad);

template <class T>
void upsample_nearest2d(T* y, const T* x, const Planes& in, int64_t scale);
template <class T>
void upsample_nearest2d_backward(T* gx, const T* g, const Planes& in, int64_t scale);

template <class T>
void upsample_bilinear2d(T* y, const T* x, const Planes& in, int64_t scale);
template <class T>
void upsample_bilinear2d_backward(T* gx, const T* g, const Planes& in, int64_t scale);

template <class T>
void avg_pool2d(T* y, const T* x, const Planes& in, const Pool2d& p);
template <class T>
void avg_pool2d_backward(T* gx, const T* g, const Planes& in, const Pool2d& p);

template <class T>
void max_pool2d(T* y, int64_t* argmax, const T* x, const Planes& in, const Pool2d& p);
template <class T>
void max_pool2d_gather(T* y, const int64_t* argmax, const T* x, const Planes& in, const Pool2d& p);
template <class T>
void max_pool2d_scatter(T* gx, const int64_t* argmax, const T* g, const Planes& in,
                        const Pool2d& p);

}  // namespace ganlite::cuda
