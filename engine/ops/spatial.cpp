// Spatial ops on (N, C, H, W): reflection and zero padding, integer-factor nearest and bilinear
// upsampling (align_corners=false), average pooling (count_include_pad=true, ceil_mode=false),
// max pooling (ceil_mode=false, dilation 1).
// Semantics and error conditions follow torch.nn.functional; kernels in kernels/cpu/spatial.h.
#include "kernels/cpu/spatial.h"

#include "engine/ops/common.h"
#if GANLITE_WITH_CUDA
#include "kernels/cuda/spatial.h"
#endif

namespace ganlite {
namespace {

cpu::Planes check_planes(const char* op, const Tensor& x) {
  check_float(op, x);
  GANLITE_CHECK(x.dim() == 4, op, ": expected input of shape (N, C, H, W), got ", x.shape_str());
  return {x.shape()[0] * x.shape()[1], x.shape()[2], x.shape()[3]};
}

// Runs kernel(device, y, x) over contiguous planes into a fresh (N, C, oh, ow) output on x's
// device. These ops are linear, so the gradient is the adjoint map, adjoint(device, gx, g), run
// by the same function with the two kernels swapped: its own gradient is the forward again, and
// the ops differentiate to any order.
template <class F, class B>
Tensor plane_op(OpId id, const Tensor& x0, int64_t oh, int64_t ow, F kernel, B adjoint) {
  Tensor x = x0.detach().contiguous();
  Tensor y = empty({x.shape()[0], x.shape()[1], oh, ow}, x.dtype(), x.device());
  dispatch_float(x.dtype(), op_name(id), [&](auto t) {
    using T = decltype(t);
    kernel(x.device(), y.data<T>(), x.data<T>());
  });
  record_differentiable(id, y, {x0}, [id, kernel, adjoint, in = x.shape()](const Tensor& g) {
    return std::vector<Tensor>{plane_op(id, g, in[2], in[3], adjoint, kernel)};
  });
  return y;
}

// The pooling window's geometry, with torch's conditions (ceil_mode=false).
cpu::Pool2d pool_geometry(const char* op, const Tensor& x, const cpu::Planes& in, int64_t kernel,
                          int64_t stride, int64_t padding) {
  if (stride == 0) stride = kernel;
  GANLITE_CHECK(kernel > 0 && stride > 0, op, ": kernel ", kernel, " and stride ", stride,
                " must be positive");
  GANLITE_CHECK(padding >= 0 && padding <= kernel / 2, op, ": padding ", padding,
                " must be between 0 and half the kernel size ", kernel);
  GANLITE_CHECK(in.h + 2 * padding >= kernel && in.w + 2 * padding >= kernel, op, ": kernel ",
                kernel, " is larger than input ", x.shape_str(), " padded by ", padding);
  return {kernel, stride, padding, (in.h + 2 * padding - kernel) / stride + 1,
          (in.w + 2 * padding - kernel) / stride + 1};
}

void check_scale(const char* op, const Tensor& x, int64_t scale) {
  GANLITE_CHECK(scale >= 1, op, ": scale must be a positive integer, got ", scale, " for input ",
                x.shape_str());
}

}  // namespace

Tensor reflection_pad2d(const Tensor& x, std::array<int64_t, 4> pad) {
  const char* op = "reflection_pad2d";
  cpu::Planes in = check_planes(op, x);
  cpu::Pad2d p{pad[0], pad[1], pad[2], pad[3]};
  // PyTorch's condition: a reflection never wraps twice, so each pad must be < its dim.
  GANLITE_CHECK(p.left >= 0 && p.right >= 0 && p.top >= 0 && p.bottom >= 0, op,
                ": pads must be non-negative, got {", p.left, ", ", p.right, ", ", p.top, ", ",
                p.bottom, "}");
  GANLITE_CHECK(p.left < in.w && p.right < in.w, op, ": left/right pads ", p.left, ", ", p.right,
                " must be smaller than the width ", in.w, " of input ", x.shape_str());
  GANLITE_CHECK(p.top < in.h && p.bottom < in.h, op, ": top/bottom pads ", p.top, ", ", p.bottom,
                " must be smaller than the height ", in.h, " of input ", x.shape_str());
  return plane_op(
      OpId::reflection_pad2d, x, in.h + p.top + p.bottom, in.w + p.left + p.right,
      [=](Device d, auto* y, const auto* xs) { GANLITE_KERNEL(d, reflection_pad2d(y, xs, in, p)); },
      [=](Device d, auto* gx, const auto* g) {
        GANLITE_KERNEL(d, reflection_pad2d_backward(gx, g, in, p));
      });
}

Tensor zero_pad2d(const Tensor& x, std::array<int64_t, 4> pad) {
  const char* op = "zero_pad2d";
  check_planes(op, x);
  for (int64_t v : pad)
    GANLITE_CHECK(v >= 0, op, ": pads must be non-negative, got {", pad[0], ", ", pad[1], ", ",
                  pad[2], ", ", pad[3], "} for input ", x.shape_str());
  int64_t h = x.shape()[2], w = x.shape()[3];
  // A strided copy into the interior of zeros; no kernel of its own is needed.
  Tensor y = zeros({x.shape()[0], x.shape()[1], h + pad[2] + pad[3], w + pad[0] + pad[1]},
                   x.dtype(), x.device());
  y.slice(2, pad[2], h).slice(3, pad[0], w).copy_(x.detach());
  record_differentiable(OpId::zero_pad2d, y, {x}, [pad, h, w](const Tensor& g) {
    return std::vector<Tensor>{g.slice(2, pad[2], h).slice(3, pad[0], w)};
  });
  return y;
}

Tensor upsample_nearest2d(const Tensor& x, int64_t scale) {
  const char* op = "upsample_nearest2d";
  cpu::Planes in = check_planes(op, x);
  check_scale(op, x, scale);
  return plane_op(
      OpId::upsample_nearest2d, x, in.h * scale, in.w * scale,
      [=](Device d, auto* y, const auto* xs) {
        GANLITE_KERNEL(d, upsample_nearest2d(y, xs, in, scale));
      },
      [=](Device d, auto* gx, const auto* g) {
        GANLITE_KERNEL(d, upsample_nearest2d_backward(gx, g, in, scale));
      });
}

Tensor upsample_bilinear2d(const Tensor& x, int64_t scale) {
  const char* op = "upsample_bilinear2d";
  cpu::Planes in = check_planes(op, x);
  check_scale(op, x, scale);
  return plane_op(
      OpId::upsample_bilinear2d, x, in.h * scale, in.w * scale,
      [=](Device d, auto* y, const auto* xs) {
        GANLITE_KERNEL(d, upsample_bilinear2d(y, xs, in, scale));
      },
      [=](Device d, auto* gx, const auto* g) {
        GANLITE_KERNEL(d, upsample_bilinear2d_backward(gx, g, in, scale));
      });
}

Tensor avg_pool2d(const Tensor& x, int64_t kernel, int64_t stride, int64_t padding) {
  const char* op = "avg_pool2d";
  const cpu::Planes in = check_planes(op, x);
  const cpu::Pool2d p = pool_geometry(op, x, in, kernel, stride, padding);
  return plane_op(
      OpId::avg_pool2d, x, p.oh, p.ow,
      [=](Device d, auto* y, const auto* xs) { GANLITE_KERNEL(d, avg_pool2d(y, xs, in, p)); },
      [=](Device d, auto* gx, const auto* g) {
        GANLITE_KERNEL(d, avg_pool2d_backward(gx, g, in, p));
      });
}

Tensor max_pool2d(const Tensor& x0, int64_t kernel, int64_t stride, int64_t padding) {
  const char* op = "max_pool2d";
  const cpu::Planes in = check_planes(op, x0);
  const cpu::Pool2d p = pool_geometry(op, x0, in, kernel, stride, padding);
  const Tensor x = x0.detach().contiguous();
  Tensor y = empty({x.shape()[0], x.shape()[1], p.oh, p.ow}, x.dtype(), x.device());
  const Tensor argmax = empty(y.shape(), DType::i64, x.device());
  dispatch_float(x.dtype(), op, [&](auto t) {
    using T = decltype(t);
    GANLITE_KERNEL(x.device(), max_pool2d(y.data<T>(), argmax.data<int64_t>(), x.data<T>(), in, p));
  });
  // With the choice fixed the op is linear: its gradient scatters to the chosen elements, and
  // the gradient of that gathers again, to any order.
  auto gather = [=](Device d, auto* out, const auto* src) {
    GANLITE_KERNEL(d, max_pool2d_gather(out, argmax.data<int64_t>(), src, in, p));
  };
  auto scatter = [=](Device d, auto* out, const auto* src) {
    GANLITE_KERNEL(d, max_pool2d_scatter(out, argmax.data<int64_t>(), src, in, p));
  };
  record_differentiable(OpId::max_pool2d, y, {x0}, [=](const Tensor& g) {
    return std::vector<Tensor>{plane_op(OpId::max_pool2d, g, in.h, in.w, scatter, gather)};
  });
  return y;
}

}  // namespace ganlite
