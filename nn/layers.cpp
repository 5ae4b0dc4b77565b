// Layers. Default initialisation follows PyTorch's reset_parameters: weights and biases
// uniform in +-1/sqrt(fan_in) (kaiming_uniform with a = sqrt(5)), embeddings N(0, 1),
// norm weights 1 and biases 0; nn/init.h re-initialises with the GAN schemes.
#include "nn/layers.h"

#include <cmath>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "engine/random.h"

namespace ganlite::nn {
namespace {

Tensor uniform_fan_in(const Shape& shape, int64_t fan_in) {
  double bound = fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
  if (bound == 0.0) return zeros(shape);
  return rand(shape, default_generator(), DType::f32, -bound, bound);
}

void check_positive(const char* layer, const char* what, int64_t v) {
  GANLITE_CHECK(v > 0, layer, ": ", what, " must be positive, got ", v);
}

}  // namespace

Conv2d::Conv2d(int64_t in, int64_t out, Pair kernel, Pair stride, Pair padding, Pair dilation,
               int64_t groups, bool use_bias)
    : stride(stride), padding(padding), dilation(dilation), groups(groups) {
  check_positive("Conv2d", "groups", groups);
  GANLITE_CHECK(in % groups == 0 && out % groups == 0, "Conv2d: in (", in, ") and out (", out,
                ") channels must be divisible by groups (", groups, ")");
  int64_t fan_in = in / groups * kernel[0] * kernel[1];
  weight = register_parameter("weight",
                              uniform_fan_in({out, in / groups, kernel[0], kernel[1]}, fan_in));
  if (use_bias) bias = register_parameter("bias", uniform_fan_in({out}, fan_in));
}

Tensor Conv2d::forward(const Tensor& x) {
  return conv2d(x, weight, bias, stride, padding, dilation, groups);
}

ConvTranspose2d::ConvTranspose2d(int64_t in, int64_t out, Pair kernel, Pair stride, Pair padding,
                                 Pair output_padding, int64_t groups, bool use_bias, Pair dilation)
    : stride(stride),
      padding(padding),
      output_padding(output_padding),
      dilation(dilation),
      groups(groups) {
  check_positive("ConvTranspose2d", "groups", groups);
  GANLITE_CHECK(in % groups == 0 && out % groups == 0, "ConvTranspose2d: in (", in, ") and out (",
                out, ") channels must be divisible by groups (", groups, ")");
  // PyTorch computes fan_in from weight.size(1) * kh * kw, i.e. out/groups for this layout.
  int64_t fan_in = out / groups * kernel[0] * kernel[1];
  weight = register_parameter("weight",
                              uniform_fan_in({in, out / groups, kernel[0], kernel[1]}, fan_in));
  if (use_bias) bias = register_parameter("bias", uniform_fan_in({out}, fan_in));
}

Tensor ConvTranspose2d::forward(const Tensor& x) {
  return conv_transpose2d(x, weight, bias, stride, padding, output_padding, groups, dilation);
}

Linear::Linear(int64_t in, int64_t out, bool use_bias) {
  weight = register_parameter("weight", uniform_fan_in({out, in}, in));
  if (use_bias) bias = register_parameter("bias", uniform_fan_in({out}, in));
}

Tensor Linear::forward(const Tensor& x) {
  return linear(x, weight, bias);
}

Embedding::Embedding(int64_t num, int64_t dim) {
  weight = register_parameter("weight", randn({num, dim}, default_generator()));
}

Tensor Embedding::forward(const Tensor& index) {
  return embedding(index, weight);
}

BatchNorm2d::BatchNorm2d(int64_t c, double eps, double momentum, bool affine, bool track)
    : eps(eps), momentum(momentum) {
  if (affine) {
    weight = register_parameter("weight", ones({c}));
    bias = register_parameter("bias", zeros({c}));
  }
  if (track) {
    running_mean = register_buffer("running_mean", zeros({c}));
    running_var = register_buffer("running_var", ones({c}));
    num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, DType::i64));
  }
}

void count_batch(Tensor& num_batches_tracked) {
  NoGradGuard ng;
  // Counted on the buffer's device through f64 (exact below 2^53), so no host round trip.
  num_batches_tracked.copy_(num_batches_tracked.to(DType::f64) + 1.0);
}

Tensor BatchNorm2d::forward(const Tensor& x) {
  GANLITE_CHECK(x.dim() == 4, "BatchNorm2d: expected input of rank 4, got shape ", x.shape_str());
  bool batch_stats = is_training() || !running_mean.defined();
  if (is_training() && num_batches_tracked.defined()) count_batch(num_batches_tracked);
  return batch_norm(x, weight, bias, running_mean, running_var, batch_stats, momentum, eps);
}

InstanceNorm2d::InstanceNorm2d(int64_t c, double eps, bool affine) : eps(eps) {
  if (affine) {
    weight = register_parameter("weight", ones({c}));
    bias = register_parameter("bias", zeros({c}));
  }
}

Tensor InstanceNorm2d::forward(const Tensor& x) {
  return instance_norm(x, weight, bias, eps);
}

GroupNorm::GroupNorm(int64_t g, int64_t c, double eps, bool affine) : groups(g), eps(eps) {
  GANLITE_CHECK(g > 0 && c % g == 0, "GroupNorm: ", c, " channels are not divisible into ", g,
                " groups");
  if (affine) {
    weight = register_parameter("weight", ones({c}));
    bias = register_parameter("bias", zeros({c}));
  }
}

Tensor GroupNorm::forward(const Tensor& x) {
  return group_norm(x, groups, weight, bias, eps);
}

Tensor ReflectionPad2d::forward(const Tensor& x) {
  return reflection_pad2d(x, pad_);
}
Tensor ZeroPad2d::forward(const Tensor& x) {
  return zero_pad2d(x, pad_);
}

Tensor Upsample::forward(const Tensor& x) {
  return mode_ == Mode::nearest ? upsample_nearest2d(x, scale_) : upsample_bilinear2d(x, scale_);
}

Tensor MaxPool2d::forward(const Tensor& x) {
  return max_pool2d(x, kernel_, stride_, padding_);
}

Tensor ReLU::forward(const Tensor& x) {
  return relu(x);
}
Tensor LeakyReLU::forward(const Tensor& x) {
  return leaky_relu(x, slope_);
}
Tensor Tanh::forward(const Tensor& x) {
  return tanh(x);
}
Tensor Sigmoid::forward(const Tensor& x) {
  return sigmoid(x);
}

Dropout::Dropout(double p) : p_(p) {
  GANLITE_CHECK(p >= 0 && p < 1, "Dropout: p must be in [0, 1), got ", p);
}

Tensor Dropout::forward(const Tensor& x) {
  if (!is_training() || p_ == 0) return x;
  // The mask is built on the host and copied to x's device: the engine has no comparison op, and
  // dropout sits on small inner activations (pix2pix's U-Net bottleneck).
  Tensor keep = rand(x.shape(), default_generator(), x.dtype());
  Tensor mask = empty_like(keep);
  dispatch_float(x.dtype(), "Dropout", [&](auto t) {
    using T = decltype(t);
    const T* u = keep.data<T>();
    T* m = mask.data<T>();
    const T scale = T(1.0 / (1.0 - p_));
    for (int64_t i = 0; i < keep.numel(); ++i) m[i] = u[i] >= T(p_) ? scale : T(0);
  });
  return x * mask.to(x.device());
}

Sequential::Sequential(std::vector<ModulePtr> modules) {
  for (auto& m : modules) push_back(std::move(m));
}

void Sequential::push_back(ModulePtr m) {
  register_module(std::to_string(items_.size()), m);
  items_.push_back(std::move(m));
}

Tensor Sequential::forward(const Tensor& x) {
  Tensor h = x;
  for (auto& m : items_) h = (*m)(h);
  return h;
}

}  // namespace ganlite::nn
