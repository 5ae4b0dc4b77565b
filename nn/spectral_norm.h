// Spectral normalisation (Miyato et al. 2018, "Spectral Normalization for GANs", eq. 8 and
// Algorithm 1): W_sn = W / sigma(W), sigma estimated as u^T W v by power iteration with a
// persistent u. Same names and semantics as torch.nn.utils.spectral_norm: parameter weight_orig,
// buffers weight_u and weight_v, one iteration per training forward and none in eval, and u, v
// treated as constants, so the gradient reaches W both directly and through sigma.
#pragma once
#include "engine/random.h"
#include "nn/layers.h"

namespace ganlite::nn {

struct SpectralNormOptions {
  int64_t dim = 0;  // the output dimension: 0 for Conv2d/Linear/Embedding, 1 for ConvTranspose2d
  int64_t n_power_iterations = 1;
  double eps = 1e-12;  // floor of the norm when normalising u and v, as in F.normalize
};

// w with `dim` moved to the front, as a (w.size(dim), numel / w.size(dim)) matrix.
Tensor sn_weight_matrix(const Tensor& w, int64_t dim);

// Updates u (h) and v (numel / h) in place by n power iterations on w's matrix (v = W^T u / |.|,
// then u = W v / |.|), without recording a graph.
void sn_power_iteration(const Tensor& w, Tensor& u, Tensor& v, const SpectralNormOptions& o);

// sigma = u^T W v, differentiable in w (u, v are constants), as a 0-dim tensor.
Tensor sn_sigma(const Tensor& w, const Tensor& u, const Tensor& v, int64_t dim);

// The normalisation state of one weight. The owning module registers weight_orig as a parameter
// and u, v as buffers (under the names weight_orig, weight_u, weight_v).
struct SpectralNorm {
  SpectralNorm() = default;
  // u and v start as normalised N(0, 1) draws from gen, as PyTorch's spectral_norm does; no
  // iteration runs before the first training forward.
  SpectralNorm(const Tensor& weight, const SpectralNormOptions& o, Generator& gen);
  // W / sigma of the full weight; with power_iteration (a training forward) u and v are updated
  // first. Callers slice the result, never the weight before normalising (SlimGAN's SN layers).
  Tensor normalized(bool power_iteration);

  Tensor weight_orig, u, v;
  SpectralNormOptions options;
};

// Conv2d, ConvTranspose2d, Linear and Embedding under spectral_norm(): PyTorch's default
// initialisation of the plain layer (same draws from default_generator()), then u and v. Their
// MACs (nn::profile) are the plain layer's; the power iteration, training only, is not counted.
class SNConv2d : public Module {
 public:
  SNConv2d(int64_t in, int64_t out, Pair kernel, Pair stride = {1, 1}, Pair padding = {0, 0},
           Pair dilation = {1, 1}, int64_t groups = 1, bool bias = true,
           const SpectralNormOptions& o = {});
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Conv2d"; }
  double macs(const Tensor& in, const Tensor& out) const override;
  Tensor weight() { return sn.normalized(false); }  // the current W_sn, no iteration
  SpectralNorm sn;
  Tensor bias;
  Pair stride, padding, dilation;
  int64_t groups;
};

class SNConvTranspose2d : public Module {
 public:
  SNConvTranspose2d(int64_t in, int64_t out, Pair kernel, Pair stride = {1, 1},
                    Pair padding = {0, 0}, Pair output_padding = {0, 0}, int64_t groups = 1,
                    bool bias = true, Pair dilation = {1, 1},
                    const SpectralNormOptions& o = {1, 1, 1e-12});
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "ConvTranspose2d"; }
  double macs(const Tensor& in, const Tensor& out) const override;
  double macs_true(const Tensor& in, const Tensor& out) const override;
  Tensor weight() { return sn.normalized(false); }
  SpectralNorm sn;
  Tensor bias;
  Pair stride, padding, output_padding, dilation;
  int64_t groups;
};

class SNLinear : public Module {
 public:
  SNLinear(int64_t in, int64_t out, bool bias = true, const SpectralNormOptions& o = {});
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Linear"; }
  double macs(const Tensor& in, const Tensor& out) const override;
  Tensor weight() { return sn.normalized(false); }
  SpectralNorm sn;
  Tensor bias;
};

class SNEmbedding : public Module {
 public:
  SNEmbedding(int64_t num, int64_t dim, const SpectralNormOptions& o = {});
  Tensor forward(const Tensor& index) override;
  std::string type_name() const override { return "Embedding"; }
  double macs(const Tensor&, const Tensor&) const override { return 0; }  // a table lookup
  Tensor weight() { return sn.normalized(false); }
  SpectralNorm sn;
};

}  // namespace ganlite::nn
