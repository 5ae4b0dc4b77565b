// Slimmable layers (see slim.h). Slicing uses Tensor::slice views, so conv2d and linear receive
// strided views of the full weight and their backward accumulates into its leading block.
#include "nn/slim.h"

#include <cmath>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "nn/profile.h"

namespace ganlite::nn {
namespace {

std::vector<int64_t> width_channels(const char* who, int64_t channels_max,
                                    const std::vector<double>& widths) {
  GANLITE_CHECK(channels_max > 0 && !widths.empty(), who, ": need channels_max > 0 (got ",
                channels_max, ") and at least one width");
  std::vector<int64_t> out;
  for (double w : widths) out.push_back(slim_channels(channels_max, w));
  return out;
}

int64_t find_width(const char* who, const std::vector<double>& widths, double mult) {
  std::string list;
  for (size_t i = 0; i < widths.size(); ++i) {
    if (std::abs(widths[i] - mult) < 1e-9) return static_cast<int64_t>(i);
    list += (i ? ", " : "") + std::to_string(widths[i]);
  }
  GANLITE_FAIL(who, ": width ", mult, " is not one of its widths (", list, ")");
}

}  // namespace

int64_t slim_channels(int64_t channels, double mult) {
  GANLITE_CHECK(mult > 0 && mult <= 1, "slim: width multiplier must be in (0, 1], got ", mult);
  return std::max<int64_t>(1, std::llround(static_cast<double>(channels) * mult));
}

void set_width_mult(Module& net, double mult) {
  for (auto& [name, m] : net.named_modules())
    if (auto* s = dynamic_cast<Slimmable*>(m)) s->set_width_mult(mult);
}

bool is_slimmable(Module& net) {
  for (auto& [name, m] : net.named_modules())
    if (dynamic_cast<Slimmable*>(m)) return true;
  return false;
}

// ---- sliced weight layers

void SlimLayer::init(Tensor w, Tensor b, int64_t in_dim, int64_t out_dim, bool spectral_norm) {
  in_dim_ = in_dim;
  out_dim_ = out_dim;
  in = in_max = w.size(in_dim);
  out = out_max = w.size(out_dim);
  if (spectral_norm) {
    // SlimGAN's SN layers: sigma of the full weight, and u of the full output dimension.
    sn = SpectralNorm(w, {out_dim, 1, 1e-12}, default_generator());
    weight = register_parameter("weight_orig", w);
  } else {
    weight = register_parameter("weight", w);
  }
  if (b.defined()) bias = register_parameter("bias", b);
  if (spectral_norm) {
    register_buffer("weight_u", sn.u);
    register_buffer("weight_v", sn.v);
  }
}

void SlimLayer::set_width(int64_t new_in, int64_t new_out) {
  GANLITE_CHECK(new_in >= 1 && new_in <= in_max && new_out >= 1 && new_out <= out_max, type_name(),
                ": width (in ", new_in, ", out ", new_out, ") outside (1..", in_max, ", 1..",
                out_max, ")");
  in = new_in;
  out = new_out;
}

void SlimLayer::set_width_mult(double mult) {
  set_width(slice_in ? slim_channels(in_max, mult) : in_max,
            slice_out ? slim_channels(out_max, mult) : out_max);
}

Tensor SlimLayer::active_weight() {
  Tensor full = spectral_norm() ? sn.normalized(is_training()) : weight;
  return full.slice(out_dim_, 0, out).slice(in_dim_, 0, in);
}

SlimConv2d::SlimConv2d(int64_t in_max, int64_t out_max, Pair kernel, Pair stride, Pair padding,
                       bool use_bias, bool spectral_norm)
    : stride(stride), padding(padding) {
  Conv2d plain(in_max, out_max, kernel, stride, padding, {1, 1}, 1, use_bias);
  init(plain.weight, plain.bias, 1, 0, spectral_norm);
}

Tensor SlimConv2d::forward(const Tensor& x) {
  GANLITE_CHECK(x.dim() == 4 && x.size(1) == in, "SlimConv2d: at width (in ", in, ", out ", out,
                ") expected input (N, ", in, ", H, W), got ", x.shape_str());
  return conv2d(x, active_weight(), active_bias(), stride, padding);
}

double SlimConv2d::macs(const Tensor&, const Tensor& y) const {
  return conv2d_macs(y, {out, in, weight.size(2), weight.size(3)});
}

SlimConvTranspose2d::SlimConvTranspose2d(int64_t in_max, int64_t out_max, Pair kernel, Pair stride,
                                         Pair padding, Pair output_padding, bool use_bias,
                                         bool spectral_norm)
    : stride(stride), padding(padding), output_padding(output_padding) {
  ConvTranspose2d plain(in_max, out_max, kernel, stride, padding, output_padding, 1, use_bias);
  init(plain.weight, plain.bias, 0, 1, spectral_norm);
}

Tensor SlimConvTranspose2d::forward(const Tensor& x) {
  GANLITE_CHECK(x.dim() == 4 && x.size(1) == in, "SlimConvTranspose2d: at width (in ", in, ", out ",
                out, ") expected input (N, ", in, ", H, W), got ", x.shape_str());
  return conv_transpose2d(x, active_weight(), active_bias(), stride, padding, output_padding);
}

double SlimConvTranspose2d::macs(const Tensor& x, const Tensor& y) const {
  return conv_transpose2d_macs(x, y, {in, out, weight.size(2), weight.size(3)}).first;
}

double SlimConvTranspose2d::macs_true(const Tensor& x, const Tensor& y) const {
  return conv_transpose2d_macs(x, y, {in, out, weight.size(2), weight.size(3)}).second;
}

SlimLinear::SlimLinear(int64_t in_max, int64_t out_max, bool use_bias, bool spectral_norm) {
  Linear plain(in_max, out_max, use_bias);
  init(plain.weight, plain.bias, 1, 0, spectral_norm);
}

Tensor SlimLinear::forward(const Tensor& x) {
  GANLITE_CHECK(x.dim() >= 1 && x.size(-1) == in, "SlimLinear: at width (in ", in, ", out ", out,
                ") expected input (..., ", in, "), got ", x.shape_str());
  return linear(x, active_weight(), active_bias());
}

double SlimLinear::macs(const Tensor&, const Tensor& y) const {
  return linear_macs(y, in);
}

// ---- switchable batch norm

SwitchableBatchNorm2d::SwitchableBatchNorm2d(int64_t channels_max,
                                             const std::vector<double>& widths, double eps,
                                             double momentum)
    : widths_(widths),
      channels_(width_channels("SwitchableBatchNorm2d", channels_max, widths)),
      index_(static_cast<int64_t>(widths.size()) - 1) {
  bns_ = register_module("bn", std::make_shared<Sequential>());
  for (int64_t c : channels_) bns_->push_back(std::make_shared<BatchNorm2d>(c, eps, momentum));
}

void SwitchableBatchNorm2d::set_width_index(int64_t i) {
  GANLITE_CHECK(i >= 0 && i < static_cast<int64_t>(widths_.size()),
                "SwitchableBatchNorm2d: width index ", i, " outside 0..", widths_.size() - 1);
  index_ = i;
}

void SwitchableBatchNorm2d::set_width_mult(double mult) {
  index_ = find_width("SwitchableBatchNorm2d", widths_, mult);
}

Tensor SwitchableBatchNorm2d::forward(const Tensor& x) {
  GANLITE_CHECK(x.dim() == 4 && x.size(1) == channels(), "SwitchableBatchNorm2d: at width index ",
                index_, " expected input (N, ", channels(), ", H, W), got ", x.shape_str());
  return (*bns_)[static_cast<size_t>(index_)](x);
}

// ---- sliceable conditional batch norm

SliceableConditionalBatchNorm2d::SliceableConditionalBatchNorm2d(int64_t channels_max,
                                                                 int64_t num_classes,
                                                                 const std::vector<double>& widths,
                                                                 double eps, double momentum,
                                                                 bool bn_affine)
    : LabelConditioned(num_classes),
      widths_(widths),
      channels_(width_channels("SliceableConditionalBatchNorm2d", channels_max, widths)),
      channels_max_(channels_max),
      index_(static_cast<int64_t>(widths.size()) - 1) {
  GANLITE_CHECK(num_classes > 0, "SliceableConditionalBatchNorm2d: num_classes must be positive");
  bns_ = register_module("bn", std::make_shared<Sequential>());
  for (int64_t c : channels_)
    bns_->push_back(std::make_shared<BatchNorm2d>(c, eps, momentum, bn_affine));
  embed = register_module("embed", std::make_shared<Embedding>(num_classes, 2 * channels_max));
  NoGradGuard ng;
  embed->weight.slice(1, 0, channels_max).fill_(1.0);
  embed->weight.slice(1, channels_max, channels_max).fill_(0.0);
}

void SliceableConditionalBatchNorm2d::set_width_index(int64_t i) {
  GANLITE_CHECK(i >= 0 && i < static_cast<int64_t>(widths_.size()),
                "SliceableConditionalBatchNorm2d: width index ", i, " outside 0..",
                widths_.size() - 1);
  index_ = i;
}

void SliceableConditionalBatchNorm2d::set_width_mult(double mult) {
  index_ = find_width("SliceableConditionalBatchNorm2d", widths_, mult);
}

Tensor SliceableConditionalBatchNorm2d::forward(const Tensor& x) {
  const char* who = "SliceableConditionalBatchNorm2d";
  int64_t c = channels();
  GANLITE_CHECK(x.dim() == 4 && x.size(1) == c, who, ": at width index ", index_,
                " expected input (N, ", c, ", H, W), got ", x.shape_str());
  Tensor gb = (*embed)(labels_for(who, x.size(0)));  // (N, 2 C_max)
  Tensor gamma = gb.slice(1, 0, c).unsqueeze(2).unsqueeze(3);
  Tensor beta = gb.slice(1, channels_max_, c).unsqueeze(2).unsqueeze(3);
  return (*bns_)[static_cast<size_t>(index_)](x) * gamma + beta;
}

}  // namespace ganlite::nn
