// Masked convolution: y[n, c] = mask[c] * (conv2d(x, w)[n, c] + b[c]), the per-output-channel
// gate of channel pruning. The convolution is conv2d itself (its node gives dx, dw and db from
// the gradient it receives); this op adds the channel scale as an epilogue node whose backward
// hands conv2d g * mask and gives dmask[c] = sum over n, h, w of g * (conv + b).
#include "engine/ops/common.h"
#include "kernels/cpu/channel.h"
#if GANLITE_WITH_CUDA
#include "kernels/cuda/channel.h"
#endif

namespace ganlite {
namespace {

// y = x * scale[c] over the channels of a contiguous (N, C, H, W) x, on x's device.
Tensor scale_channels(const Tensor& x, const Tensor& scale) {
  Tensor y = empty_like(x);
  const Shape& s = x.shape();
  dispatch_float(x.dtype(), "masked_conv2d", [&](auto t) {
    using T = decltype(t);
    GANLITE_KERNEL(x.device(), channel_scale<T>(y.data<T>(), x.data<T>(), scale.data<T>(), s[0],
                                                s[1], s[2] * s[3]));
  });
  return y;
}

}  // namespace

Tensor masked_conv2d(const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& mask,
                     std::array<int64_t, 2> stride, std::array<int64_t, 2> padding,
                     std::array<int64_t, 2> dilation, int64_t groups) {
  const char* op = "masked_conv2d";
  check_float(op, x);
  check_float(op, mask, "mask");
  check_same(op, x, mask, "input", "mask");
  check_rank(op, w, 4, "weight");
  GANLITE_CHECK(mask.dim() == 1 && mask.shape()[0] == w.shape()[0], op, ": mask ", mask.shape_str(),
                " does not match the ", w.shape()[0], " output channels of weight ", w.shape_str(),
                " (want [", w.shape()[0], "])");
  Tensor conv = conv2d(x, w, b, stride, padding, dilation, groups).contiguous();
  Tensor m = mask.detach().contiguous();
  Tensor y = scale_channels(conv.detach(), m);
  const bool g_conv = conv.requires_grad(), g_mask = mask.requires_grad();
  Tensor conv_saved = g_mask ? conv.detach() : Tensor(), m_saved = g_conv ? m : Tensor();
  record(OpId::masked_conv2d, y, {conv, mask}, [conv_saved, m_saved](const Tensor& g0) {
    Tensor g = g0.contiguous();
    Tensor dconv = m_saved.defined() ? scale_channels(g, m_saved) : Tensor();
    Tensor dmask;
    if (conv_saved.defined()) {
      const Shape& s = g.shape();
      dmask = empty({s[1]}, g.dtype(), g.device());
      dispatch_float(g.dtype(), "masked_conv2d backward", [&](auto t) {
        using T = decltype(t);
        GANLITE_KERNEL(g.device(), channel_dot<T>(dmask.data<T>(), g.data<T>(),
                                                  conv_saved.data<T>(), s[0], s[1], s[2] * s[3]));
      });
    }
    return std::vector<Tensor>{dconv, dmask};
  });
  return y;
}

}  // namespace ganlite
