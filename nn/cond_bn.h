// Class-conditional layers: conditional batch norm (de Vries et al. 2017; Dumoulin et al. 2017,
// eq. 2): BN without affine, then per-class gamma_y, beta_y from one embedding; and the
// projection discriminator head (Miyato & Koyama 2018, eq. 3): logit = psi(h) + <embed(y), h>.
// Names follow torch_mimicry (bn.*, embed.weight with gamma in the first C columns).
#pragma once
#include "nn/spectral_norm.h"

namespace ganlite::nn {

// A module whose forward also needs class labels. Module::forward takes one tensor, so the
// labels are set beforehand (set_labels, or set_labels(net, y) for every such module of a net)
// and stay set until replaced; operator()(x, y) sets them and runs forward with the hooks.
class LabelConditioned {
 public:
  virtual ~LabelConditioned() = default;
  void set_labels(const Tensor& labels);
  const Tensor& labels() const { return labels_; }
  int64_t num_classes() const { return num_classes_; }

 protected:
  explicit LabelConditioned(int64_t num_classes) : num_classes_(num_classes) {}
  // The labels, checked: i64 of shape (batch).
  const Tensor& labels_for(const char* who, int64_t batch) const;

 private:
  Tensor labels_;
  int64_t num_classes_;
};

// Sets the labels of every LabelConditioned module in net (net included).
void set_labels(Module& net, const Tensor& labels);

class ConditionalBatchNorm2d : public Module, public LabelConditioned {
 public:
  ConditionalBatchNorm2d(int64_t channels, int64_t num_classes, double eps = 1e-5,
                         double momentum = 0.1);
  using Module::operator();
  Tensor operator()(const Tensor& x, const Tensor& labels) {
    set_labels(labels);
    return Module::operator()(x);
  }
  Tensor forward(const Tensor& x) override;  // with the labels set beforehand
  Tensor forward(const Tensor& x, const Tensor& labels) {
    set_labels(labels);
    return forward(x);
  }
  std::string type_name() const override { return "ConditionalBatchNorm2d"; }
  // nn::profile: numel(out), torchprofile's count for an affine norm (its per-sample gamma_y,
  // beta_y are one multiply-add per element); bn (no affine) and the lookup count 0.
  double macs(const Tensor&, const Tensor& out) const override {
    return static_cast<double>(out.numel());
  }

  std::shared_ptr<BatchNorm2d> bn;   // affine = false: the class-conditional affine replaces it
  std::shared_ptr<Embedding> embed;  // (num_classes, 2 C): gamma columns init 1, beta columns 0
  int64_t channels;
};

// logit = linear(h) + sum(embed(y) * h, dim 1), shape (N, 1), for features h of shape (N, C)
// (after the discriminator's global pooling). Spectral norm on both, as in the paper's nets.
class ProjectionHead : public Module, public LabelConditioned {
 public:
  ProjectionHead(int64_t features, int64_t num_classes, bool spectral_norm = true);
  using Module::operator();
  Tensor operator()(const Tensor& h, const Tensor& labels) {
    set_labels(labels);
    return Module::operator()(h);
  }
  Tensor forward(const Tensor& h) override;
  Tensor forward(const Tensor& h, const Tensor& labels) {
    set_labels(labels);
    return forward(h);
  }
  std::string type_name() const override { return "ProjectionHead"; }
  // nn::profile: numel(h) for <embed(y), h> (torchprofile counts the elementwise product);
  // linear counts on its own, the lookup 0.
  double macs(const Tensor& h, const Tensor&) const override {
    return static_cast<double>(h.numel());
  }

  ModulePtr linear;  // Linear or SNLinear (features -> 1)
  ModulePtr embed;   // Embedding or SNEmbedding (num_classes, features)
};

}  // namespace ganlite::nn
