// StyleGAN2 layers and networks (Karras et al. 2020): equalized-lr layers, modulated conv with
// demodulation as one grouped convolution over the batch (sec. 2.2), the skip generator and the
// residual discriminator (Fig. 7b, 7c). Constants (0.2 slope, sqrt(2) gain, 1e-8 epsilons, the
// w_avg decay 0.995) are the official implementation's.
#include "gan/models/stylegan2.h"

#include <cmath>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "nn/init.h"
#include "nn/layers.h"

namespace ganlite::gan {

using std::make_shared;

namespace {

const double kSqrt2 = std::sqrt(2.0);

// StyleGAN's fused activation: leaky_relu(0.2) * sqrt(2), so a unit-variance input keeps roughly
// unit second moment after the activation.
Tensor activate(const Tensor& x) {
  return leaky_relu(x, 0.2) * kSqrt2;
}

// (C) -> (1, C, 1, 1), to add a per-channel bias to (N, C, H, W).
Tensor channel_bias(const Tensor& b) {
  return b.reshape({1, b.shape()[0], 1, 1});
}

[[noreturn]] void needs_w(const char* who) {
  GANLITE_FAIL(who, ": forward needs the style vector w; call forward(x, w)");
}

bool is_power_of_two(int64_t v) {
  return v > 0 && (v & (v - 1)) == 0;
}

}  // namespace

int64_t stylegan2_channels(const StyleGan2Options& o, int64_t resolution) {
  return std::max<int64_t>(1, std::min(o.channel_max, o.channel_base / resolution));
}

// ---- equalized learning rate

EqualLinear::EqualLinear(int64_t in, int64_t out, double bias_init, double lr_mul, bool activate)
    : scale_(lr_mul / std::sqrt(double(in))), lr_mul_(lr_mul), activate_(activate) {
  GANLITE_CHECK(in > 0 && out > 0 && lr_mul > 0, "EqualLinear: sizes and lr_mul must be positive");
  weight = register_parameter("weight", nn::normal_(empty({out, in}), 0.0, 1.0 / lr_mul));
  bias = register_parameter("bias", full({out}, bias_init / lr_mul));
}

Tensor EqualLinear::forward(const Tensor& x) {
  Tensor y = linear(x, weight * scale_, bias * lr_mul_);
  return activate_ ? activate(y) : y;
}

double EqualLinear::macs(const Tensor&, const Tensor& out) const {
  return double(out.numel()) * double(weight.shape()[1]);
}

EqualConv2d::EqualConv2d(int64_t in, int64_t out, int64_t kernel, bool use_bias, bool activate,
                         bool downsample)
    : scale_(1.0 / std::sqrt(double(in * kernel * kernel))),
      activate_(activate),
      downsample_(downsample) {
  GANLITE_CHECK(in > 0 && out > 0 && kernel > 0 && kernel % 2 == 1,
                "EqualConv2d: positive sizes and an odd kernel expected, got in ", in, ", out ",
                out, ", kernel ", kernel);
  weight = register_parameter("weight", nn::normal_(empty({out, in, kernel, kernel})));
  if (use_bias) bias = register_parameter("bias", zeros({out}));
}

Tensor EqualConv2d::forward(const Tensor& x) {
  // Pool before the conv: the same result as the official blur + stride-2 conv up to the filter
  // (a 2x2 box instead of [1,3,3,1]), at a quarter of the MACs.
  Tensor h = downsample_ ? avg_pool2d(x, 2) : x;
  const int64_t pad = weight.shape()[2] / 2;
  Tensor y = conv2d(h, weight * scale_, bias, {1, 1}, {pad, pad});
  return activate_ ? activate(y) : y;
}

double EqualConv2d::macs(const Tensor&, const Tensor& out) const {
  const Shape& w = weight.shape();
  return double(out.numel()) * double(w[1] * w[2] * w[3]);
}

// ---- modulated convolution

ModulatedConv2d::ModulatedConv2d(int64_t in, int64_t out, int64_t kernel, int64_t w_dim,
                                 bool demodulate, bool upsample)
    : scale_(1.0 / std::sqrt(double(in * kernel * kernel))),
      demodulate_(demodulate),
      upsample_(upsample) {
  GANLITE_CHECK(in > 0 && out > 0 && w_dim > 0 && kernel > 0 && kernel % 2 == 1,
                "ModulatedConv2d: positive sizes and an odd kernel expected");
  weight = register_parameter("weight", nn::normal_(empty({out, in, kernel, kernel})));
  // Bias 1: styles start near 1, so the first steps see the plain (equalized) convolution.
  modulation = register_module("modulation", make_shared<EqualLinear>(w_dim, in, 1.0));
}

Tensor ModulatedConv2d::modulated_weight(const Tensor& w) {
  const Shape& ws = weight.shape();  // (K, C, k, k)
  Tensor s = (*modulation)(w);       // (N, C)
  const int64_t n = s.shape()[0];
  // Eq. 1: w'_{n,o,i,.,.} = scale * W_{o,i,.,.} * s_{n,i}
  Tensor wm = weight.reshape({1, ws[0], ws[1], ws[2], ws[3]}) * scale_ *
              s.reshape({n, 1, ws[1], 1, 1});  // (N, K, C, k, k)
  if (!demodulate_) return wm;
  // Eq. 3: divide by sqrt(sum over input channels and taps of w'^2 + eps).
  Tensor d = sqrt(sum(wm * wm, {2, 3, 4}, true) + 1e-8);  // (N, K, 1, 1, 1)
  return wm / d;
}

Tensor ModulatedConv2d::forward(const Tensor& x, const Tensor& w) {
  const Shape& ws = weight.shape();
  GANLITE_CHECK(x.dim() == 4 && x.shape()[1] == ws[1], "ModulatedConv2d: expected x of shape (N, ",
                ws[1], ", H, W), got ", x.shape_str());
  GANLITE_CHECK(w.dim() == 2 && w.shape()[0] == x.shape()[0],
                "ModulatedConv2d: expected w of shape (N, w_dim) with N = ", x.shape()[0], ", got ",
                w.shape_str());
  Tensor h = upsample_ ? upsample_bilinear2d(x, 2) : x;
  const int64_t n = h.shape()[0], c = ws[1], k = ws[0], height = h.shape()[2], width = h.shape()[3];
  Tensor wm = modulated_weight(w).reshape({n * k, c, ws[2], ws[3]});
  const int64_t pad = ws[2] / 2;
  // Sample n's channels form group n: one conv2d call for the whole batch.
  Tensor y =
      conv2d(h.reshape({1, n * c, height, width}), wm, Tensor(), {1, 1}, {pad, pad}, {1, 1}, n);
  Tensor out = y.reshape({n, k, height, width});
  run_forward_hooks(x, out);
  return out;
}

Tensor ModulatedConv2d::forward(const Tensor&) {
  needs_w("ModulatedConv2d");
}

double ModulatedConv2d::macs(const Tensor&, const Tensor& out) const {
  const Shape& w = weight.shape();
  return double(out.numel()) * double(w[1] * w[2] * w[3]);
}

// ---- synthesis layers

StyledConv::StyledConv(int64_t in, int64_t out, int64_t w_dim, bool upsample) {
  conv = register_module("conv", make_shared<ModulatedConv2d>(in, out, 3, w_dim, true, upsample));
  // Strength 0: the noise enters only as the network learns to use it.
  noise_strength = register_parameter("noise_strength", zeros({1}));
  bias = register_parameter("bias", zeros({out}));
}

Tensor StyledConv::forward(const Tensor& x, const Tensor& w) {
  Tensor y = conv->forward(x, w);
  const Shape& s = y.shape();
  // Fixed noise is a plain member (not a buffer Module::to moves): moved to y's device and dtype
  // the first time they differ and kept there, so later forwards copy nothing.
  if (fixed_noise.defined() &&
      (fixed_noise.device() != y.device() || fixed_noise.dtype() != y.dtype()))
    fixed_noise = fixed_noise.detach().to(y.device()).to(y.dtype());
  Tensor noise = fixed_noise.defined()
                     ? fixed_noise
                     : randn({s[0], 1, s[2], s[3]}, default_generator(), y.dtype(), y.device());
  GANLITE_CHECK(noise.dim() == 4 && noise.shape()[1] == 1 && noise.shape()[2] == s[2] &&
                    noise.shape()[3] == s[3],
                "StyledConv: fixed noise must be (1 or N, 1, ", s[2], ", ", s[3], "), got ",
                noise.shape_str());
  return activate(y + noise * noise_strength.reshape({1, 1, 1, 1}) + channel_bias(bias));
}

Tensor StyledConv::forward(const Tensor&) {
  needs_w("StyledConv");
}

ToRgb::ToRgb(int64_t in, int64_t w_dim, int64_t img_channels) {
  conv = register_module("conv",
                         make_shared<ModulatedConv2d>(in, img_channels, 1, w_dim, false, false));
  bias = register_parameter("bias", zeros({img_channels}));
}

Tensor ToRgb::forward(const Tensor& x, const Tensor& w, const Tensor& skip) {
  Tensor rgb = conv->forward(x, w) + channel_bias(bias);
  // Fig. 7b: the images of every resolution add up, each upsampled to the next.
  return skip.defined() ? rgb + upsample_bilinear2d(skip, 2) : rgb;
}

Tensor ToRgb::forward(const Tensor&) {
  needs_w("ToRgb");
}

SynthesisBlock::SynthesisBlock(int64_t in, int64_t out, int64_t w_dim, bool first,
                               int64_t img_channels) {
  if (!first) conv0 = register_module("conv0", make_shared<StyledConv>(in, out, w_dim, true));
  conv1 = register_module("conv1", make_shared<StyledConv>(first ? in : out, out, w_dim, false));
  to_rgb = register_module("to_rgb", make_shared<ToRgb>(out, w_dim, img_channels));
}

std::pair<Tensor, Tensor> SynthesisBlock::forward(const Tensor& x, const Tensor& rgb,
                                                  const Tensor& w) {
  return forward(x, rgb, w, w, w);
}

std::pair<Tensor, Tensor> SynthesisBlock::forward(const Tensor& x, const Tensor& rgb,
                                                  const Tensor& w0, const Tensor& w1,
                                                  const Tensor& w_rgb) {
  Tensor h = conv0 ? conv0->forward(x, w0) : x;
  h = conv1->forward(h, w1);
  return {h, to_rgb->forward(h, w_rgb, rgb)};
}

Tensor SynthesisBlock::forward(const Tensor&) {
  needs_w("SynthesisBlock");
}

// ---- generator

StyleGan2Generator::StyleGan2Generator(const StyleGan2Options& o) : o_(o) {
  GANLITE_CHECK(is_power_of_two(o.resolution) && o.resolution >= 8,
                "StyleGan2Generator: resolution must be a power of two >= 8, got ", o.resolution);
  GANLITE_CHECK(
      o.z_dim > 0 && o.w_dim > 0 && o.n_mlp > 0 && o.channel_base > 0 && o.channel_max > 0,
      "StyleGan2Generator: z_dim, w_dim, n_mlp, channel_base and channel_max must be "
      "positive");
  mapping = register_module("mapping", make_shared<nn::Sequential>());
  for (int64_t i = 0; i < o.n_mlp; ++i)
    mapping->push_back(
        make_shared<EqualLinear>(i == 0 ? o.z_dim : o.w_dim, o.w_dim, 0.0, o.mapping_lr_mul, true));
  const int64_t c4 = stylegan2_channels(o, 4);
  const_input = register_parameter("input", nn::normal_(empty({1, c4, 4, 4})));
  w_avg = register_buffer("w_avg", zeros({o.w_dim}));
  for (int64_t r = 4; r <= o.resolution; r *= 2) {
    auto b = make_shared<SynthesisBlock>(stylegan2_channels(o, r == 4 ? 4 : r / 2),
                                         stylegan2_channels(o, r), o.w_dim, r == 4, o.img_channels);
    blocks.push_back(register_module("b" + std::to_string(r), b));
  }
}

Tensor StyleGan2Generator::mapping_forward(const Tensor& z) {
  GANLITE_CHECK(z.dim() == 2 && z.shape()[1] == o_.z_dim,
                "StyleGan2Generator: expected z of shape (N, ", o_.z_dim, "), got ", z.shape_str());
  // Pixel norm: z on the sphere of radius sqrt(z_dim), whatever its scale.
  Tensor zn = z / sqrt(mean(z * z, {1}, true) + 1e-8);
  return (*mapping)(zn);
}

Tensor StyleGan2Generator::synthesis_forward(const Tensor& w) {
  GANLITE_CHECK((w.dim() == 2 && w.shape()[1] == o_.w_dim) ||
                    (w.dim() == 3 && w.shape()[1] == num_ws() && w.shape()[2] == o_.w_dim),
                "StyleGan2Generator: expected w of shape (N, ", o_.w_dim, ") or (N, ", num_ws(),
                ", ", o_.w_dim, "), got ", w.shape_str());
  const int64_t n = w.shape()[0];
  auto layer = [&](int64_t i) { return w.dim() == 2 ? w : w.slice(1, i, 1).reshape({n, -1}); };
  Tensor x = const_input.expand({n, -1, -1, -1}), rgb;
  int64_t i = 0;
  for (auto& b : blocks) {
    const int64_t convs = b->conv0 ? 2 : 1;
    std::tie(x, rgb) = b->forward(x, rgb, layer(i), layer(i + convs - 1), layer(i + convs));
    i += convs;
  }
  return rgb;
}

Tensor StyleGan2Generator::forward(const Tensor& z) {
  Tensor w = mapping_forward(z);
  if (is_training()) {
    // The running mean of w (official decay 0.995), the centre truncation pulls toward.
    NoGradGuard ng;
    Tensor m = mean(w.detach(), {0});
    w_avg.copy_(m + (w_avg - m) * 0.995);
  }
  if (o_.truncation_psi != 1.0) w = w_avg + (w - w_avg) * o_.truncation_psi;
  return synthesis_forward(w);
}

std::vector<std::shared_ptr<StyledConv>> StyleGan2Generator::styled_convs() {
  std::vector<std::shared_ptr<StyledConv>> out;
  for (auto& b : blocks) {
    if (b->conv0) out.push_back(b->conv0);
    out.push_back(b->conv1);
  }
  return out;
}

void StyleGan2Generator::set_fixed_noise(Generator& gen) {
  int64_t r = 4;
  for (auto& b : blocks) {
    if (b->conv0) b->conv0->fixed_noise = randn({1, 1, r, r}, gen);
    b->conv1->fixed_noise = randn({1, 1, r, r}, gen);
    r *= 2;
  }
}

void StyleGan2Generator::clear_fixed_noise() {
  for (auto& c : styled_convs()) c->fixed_noise = Tensor();
}

// ---- discriminator

Tensor minibatch_stddev(const Tensor& x, int64_t group_size) {
  GANLITE_CHECK(x.dim() == 4, "minibatch_stddev: expected (N, C, H, W), got ", x.shape_str());
  const Shape& s = x.shape();
  const int64_t n = s[0];
  int64_t g = std::min(group_size, n);
  while (n % g != 0) --g;  // a batch of 6 uses groups of 3
  const int64_t m = n / g;
  // (G, M, C, H, W): sample n = i * M + j is member i of group j.
  Tensor y = x.reshape({g, m, s[1], s[2], s[3]});
  Tensor sd = sqrt(var(y, {0}, false, false) + 1e-8);  // (M, C, H, W)
  Tensor f = mean(sd, {1, 2, 3}, false);               // (M)
  Tensor feat =
      f.reshape({1, m, 1, 1, 1}).expand({g, m, 1, s[2], s[3]}).reshape({n, 1, s[2], s[3]});
  return concat({x, feat}, 1);
}

DiscriminatorBlock::DiscriminatorBlock(int64_t in, int64_t out) {
  conv0 = register_module("conv0", make_shared<EqualConv2d>(in, in, 3, true, true));
  conv1 = register_module("conv1", make_shared<EqualConv2d>(in, out, 3, true, true, true));
  skip = register_module("skip", make_shared<EqualConv2d>(in, out, 1, false, false, true));
}

Tensor DiscriminatorBlock::forward(const Tensor& x) {
  // Dividing by sqrt(2) keeps the variance of the sum of two roughly independent branches.
  return ((*conv1)((*conv0)(x)) + (*skip)(x)) * (1.0 / kSqrt2);
}

StyleGan2Discriminator::StyleGan2Discriminator(const StyleGan2Options& o)
    : resolution_(o.resolution), img_channels_(o.img_channels) {
  GANLITE_CHECK(is_power_of_two(o.resolution) && o.resolution >= 8,
                "StyleGan2Discriminator: resolution must be a power of two >= 8, got ",
                o.resolution);
  GANLITE_CHECK(o.channel_base > 0 && o.channel_max > 0,
                "StyleGan2Discriminator: channel_base and channel_max must be positive");
  from_rgb_ = register_module(
      "from_rgb",
      make_shared<EqualConv2d>(o.img_channels, stylegan2_channels(o, o.resolution), 1, true, true));
  blocks_ = register_module("blocks", make_shared<nn::Sequential>());
  for (int64_t r = o.resolution; r > 4; r /= 2)
    blocks_->push_back(
        make_shared<DiscriminatorBlock>(stylegan2_channels(o, r), stylegan2_channels(o, r / 2)));
  const int64_t c4 = stylegan2_channels(o, 4);
  final_conv_ = register_module("final_conv", make_shared<EqualConv2d>(c4 + 1, c4, 3, true, true));
  fc_ = register_module("fc", make_shared<EqualLinear>(c4 * 16, c4, 0.0, 1.0, true));
  out_ = register_module("out", make_shared<EqualLinear>(c4, 1));
}

Tensor StyleGan2Discriminator::forward(const Tensor& x) {
  GANLITE_CHECK(x.dim() == 4 && x.shape()[1] == img_channels_ && x.shape()[2] == resolution_ &&
                    x.shape()[3] == resolution_,
                "StyleGan2Discriminator: expected images of shape (N, ", img_channels_, ", ",
                resolution_, ", ", resolution_, "), got ", x.shape_str());
  Tensor h = (*blocks_)((*from_rgb_)(x));
  h = (*final_conv_)(minibatch_stddev(h));
  return (*out_)((*fc_)(h.flatten(1)));
}

}  // namespace ganlite::gan
