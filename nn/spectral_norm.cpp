// Spectral normalisation (Miyato et al. 2018, Algorithm 1) and the SN layers. The power
// iteration runs under NoGradGuard on the detached weight; sigma = sum(W .* u v^T) is recorded,
// so d sigma / dW = u v^T (the paper's eq. 12 gradient) comes out of autograd.
#include "nn/spectral_norm.h"

#include <limits>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "nn/profile.h"

namespace ganlite::nn {
namespace {

// x / max(|x|, eps), like F.normalize(x, dim=0, eps=eps), on x's device without a host round
// trip. Equal bit for bit to taking the norm in double on the host: sqrt and max commute with
// rounding to the tensor's precision.
Tensor normalize(const Tensor& x, double eps) {
  return x / clamp(sqrt(sum(x * x)), eps, std::numeric_limits<double>::infinity());
}

}  // namespace

Tensor sn_weight_matrix(const Tensor& w, int64_t dim) {
  GANLITE_CHECK(w.dim() >= 1, "spectral_norm: weight must have at least one dim, got shape ",
                w.shape_str());
  int64_t d = wrap_dim(dim, w.dim(), "spectral_norm");
  Tensor m = w;
  if (d != 0) {
    std::vector<int64_t> order{d};
    for (int64_t i = 0; i < w.dim(); ++i)
      if (i != d) order.push_back(i);
    m = w.permute(order);
  }
  int64_t h = m.size(0);
  return m.reshape({h, h == 0 ? 0 : w.numel() / h});
}

void sn_power_iteration(const Tensor& w, Tensor& u, Tensor& v, const SpectralNormOptions& o) {
  NoGradGuard ng;
  Tensor m = sn_weight_matrix(w.detach(), o.dim);
  Tensor uu = u, vv = v;
  for (int64_t i = 0; i < o.n_power_iterations; ++i) {
    vv = normalize(matmul(m.transpose(0, 1), uu.unsqueeze(1)).squeeze(1), o.eps);
    uu = normalize(matmul(m, vv.unsqueeze(1)).squeeze(1), o.eps);
  }
  // In place: u and v are registered buffers, and the module keeps these handles.
  u.copy_(uu);
  v.copy_(vv);
}

Tensor sn_sigma(const Tensor& w, const Tensor& u, const Tensor& v, int64_t dim) {
  Tensor m = sn_weight_matrix(w, dim);
  GANLITE_CHECK(u.dim() == 1 && v.dim() == 1 && u.size(0) == m.size(0) && v.size(0) == m.size(1),
                "spectral_norm: u ", u.shape_str(), " and v ", v.shape_str(),
                " do not fit the weight matrix ", m.shape_str());
  Tensor uv = u.detach().unsqueeze(1) * v.detach().unsqueeze(0);
  return sum(m * uv);
}

SpectralNorm::SpectralNorm(const Tensor& weight, const SpectralNormOptions& o, Generator& gen)
    : weight_orig(weight), options(o) {
  GANLITE_CHECK(o.n_power_iterations >= 0, "spectral_norm: n_power_iterations must be >= 0, got ",
                o.n_power_iterations);
  GANLITE_CHECK(o.eps > 0, "spectral_norm: eps must be positive, got ", o.eps);
  NoGradGuard ng;
  Tensor m = sn_weight_matrix(weight, o.dim);
  u = normalize(randn({m.size(0)}, gen, weight.dtype()), o.eps);
  v = normalize(randn({m.size(1)}, gen, weight.dtype()), o.eps);
}

Tensor SpectralNorm::normalized(bool power_iteration) {
  GANLITE_CHECK(weight_orig.defined(), "spectral_norm: no weight");
  if (power_iteration && options.n_power_iterations > 0)
    sn_power_iteration(weight_orig, u, v, options);
  return weight_orig / sn_sigma(weight_orig, u, v, options.dim);
}

SNConv2d::SNConv2d(int64_t in, int64_t out, Pair kernel, Pair stride, Pair padding, Pair dilation,
                   int64_t groups, bool use_bias, const SpectralNormOptions& o) {
  Conv2d plain(in, out, kernel, stride, padding, dilation, groups, use_bias);
  this->stride = plain.stride;
  this->padding = plain.padding;
  this->dilation = plain.dilation;
  this->groups = plain.groups;
  sn = SpectralNorm(plain.weight, o, default_generator());
  if (use_bias) bias = register_parameter("bias", plain.bias);
  register_parameter("weight_orig", sn.weight_orig);
  register_buffer("weight_u", sn.u);
  register_buffer("weight_v", sn.v);
}

Tensor SNConv2d::forward(const Tensor& x) {
  return conv2d(x, sn.normalized(is_training()), bias, stride, padding, dilation, groups);
}

SNConvTranspose2d::SNConvTranspose2d(int64_t in, int64_t out, Pair kernel, Pair stride,
                                     Pair padding, Pair output_padding, int64_t groups,
                                     bool use_bias, Pair dilation, const SpectralNormOptions& o) {
  ConvTranspose2d plain(in, out, kernel, stride, padding, output_padding, groups, use_bias,
                        dilation);
  this->stride = plain.stride;
  this->padding = plain.padding;
  this->output_padding = plain.output_padding;
  this->dilation = plain.dilation;
  this->groups = plain.groups;
  sn = SpectralNorm(plain.weight, o, default_generator());
  if (use_bias) bias = register_parameter("bias", plain.bias);
  register_parameter("weight_orig", sn.weight_orig);
  register_buffer("weight_u", sn.u);
  register_buffer("weight_v", sn.v);
}

double SNConv2d::macs(const Tensor&, const Tensor& out) const {
  return conv2d_macs(out, sn.weight_orig.shape());
}

Tensor SNConvTranspose2d::forward(const Tensor& x) {
  return conv_transpose2d(x, sn.normalized(is_training()), bias, stride, padding, output_padding,
                          groups, dilation);
}

double SNConvTranspose2d::macs(const Tensor& in, const Tensor& out) const {
  return conv_transpose2d_macs(in, out, sn.weight_orig.shape()).first;
}

double SNConvTranspose2d::macs_true(const Tensor& in, const Tensor& out) const {
  return conv_transpose2d_macs(in, out, sn.weight_orig.shape()).second;
}

SNLinear::SNLinear(int64_t in, int64_t out, bool use_bias, const SpectralNormOptions& o) {
  Linear plain(in, out, use_bias);
  sn = SpectralNorm(plain.weight, o, default_generator());
  if (use_bias) bias = register_parameter("bias", plain.bias);
  register_parameter("weight_orig", sn.weight_orig);
  register_buffer("weight_u", sn.u);
  register_buffer("weight_v", sn.v);
}

Tensor SNLinear::forward(const Tensor& x) {
  return linear(x, sn.normalized(is_training()), bias);
}

double SNLinear::macs(const Tensor&, const Tensor& out) const {
  return linear_macs(out, sn.weight_orig.size(1));
}

SNEmbedding::SNEmbedding(int64_t num, int64_t dim, const SpectralNormOptions& o) {
  Embedding plain(num, dim);
  sn = SpectralNorm(plain.weight, o, default_generator());
  register_parameter("weight_orig", sn.weight_orig);
  register_buffer("weight_u", sn.u);
  register_buffer("weight_v", sn.v);
}

Tensor SNEmbedding::forward(const Tensor& index) {
  return embedding(index, sn.normalized(is_training()));
}

}  // namespace ganlite::nn
