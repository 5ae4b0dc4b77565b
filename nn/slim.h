// Width-switchable layers for slimmable GANs (Hou et al. 2021, "Slimmable Generative Adversarial
// Networks", sec. 3; Yu et al. 2019, "Slimmable Neural Networks", sec. 3.1-3.2): the layer holds
// the widest weights and runs on the leading slice W[:out, :in] (a view, so every width's
// gradient lands in the shared prefix of the full weight); batch norm keeps private statistics
// per width; the conditional gamma/beta table is shared and sliced (SlimGAN's sliceable CBN).
#pragma once
#include <vector>

#include "nn/cond_bn.h"
#include "nn/spectral_norm.h"

namespace ganlite::nn {

// SlimGAN's width multipliers.
inline const std::vector<double> kSlimWidths{0.25, 0.5, 0.75, 1.0};

// round(channels * mult), at least 1; mult must be in (0, 1].
int64_t slim_channels(int64_t channels, double mult);

// Something whose width can be switched.
class Slimmable {
 public:
  virtual ~Slimmable() = default;
  virtual void set_width_mult(double mult) = 0;
};

// Switches every Slimmable module of net (net included) to mult.
void set_width_mult(Module& net, double mult);
// Whether net (or one of its modules) is Slimmable.
bool is_slimmable(Module& net);

// The shared part of the sliced weight layers: full weight (registered as "weight", or as
// "weight_orig" with "weight_u"/"weight_v" under spectral norm), full bias, current widths.
// nn::profile counts MACs at the current width (the sliced conv that runs) but parameters as the
// full tensors, since every width stores and trains the same ones: a profile at width 0.5 shows
// about 1/4 of the MACs and all of the parameters.
class SlimLayer : public Module, public Slimmable {
 public:
  // Explicit widths: 1 <= in <= in_max, 1 <= out <= out_max.
  void set_width(int64_t in, int64_t out);
  // Scales the sides marked in slice_in / slice_out; the other side stays at its maximum (the
  // RGB input of a first conv, the RGB output of the last).
  void set_width_mult(double mult) override;
  // The weight this forward uses: the leading slice of the full weight, normalised first when
  // spectral norm is on (power iteration in training). A view: writes to its grad reach `weight`.
  Tensor active_weight();
  Tensor active_bias() const { return bias.defined() ? bias.slice(0, 0, out) : Tensor(); }
  bool spectral_norm() const { return sn.weight_orig.defined(); }

  Tensor weight, bias;  // full size; weight is weight_orig when spectral norm is on
  SpectralNorm sn;
  int64_t in_max = 0, out_max = 0, in = 0, out = 0;
  bool slice_in = true, slice_out = true;

 protected:
  // Registers w and b (b may be undefined); in_dim / out_dim are the weight dims of the input
  // and output channels (1, 0 for Conv2d and Linear; 0, 1 for ConvTranspose2d).
  void init(Tensor w, Tensor b, int64_t in_dim, int64_t out_dim, bool spectral_norm);

 private:
  int64_t in_dim_ = 1, out_dim_ = 0;
};

class SlimConv2d : public SlimLayer {
 public:
  SlimConv2d(int64_t in_max, int64_t out_max, Pair kernel, Pair stride = {1, 1},
             Pair padding = {0, 0}, bool bias = true, bool spectral_norm = false);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "SlimConv2d"; }
  double macs(const Tensor& in, const Tensor& out) const override;
  Pair stride, padding;
};

// Weight (in_max, out_max, kh, kw): the slice is W[:in, :out].
class SlimConvTranspose2d : public SlimLayer {
 public:
  SlimConvTranspose2d(int64_t in_max, int64_t out_max, Pair kernel, Pair stride = {1, 1},
                      Pair padding = {0, 0}, Pair output_padding = {0, 0}, bool bias = true,
                      bool spectral_norm = false);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "SlimConvTranspose2d"; }
  double macs(const Tensor& in, const Tensor& out) const override;
  double macs_true(const Tensor& in, const Tensor& out) const override;
  Pair stride, padding, output_padding;
};

class SlimLinear : public SlimLayer {
 public:
  SlimLinear(int64_t in_max, int64_t out_max, bool bias = true, bool spectral_norm = false);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "SlimLinear"; }
  double macs(const Tensor& in, const Tensor& out) const override;
};

// One private BatchNorm2d (own gamma, beta, running statistics) per width, children bn.0, bn.1,
// ... sized slim_channels(channels_max, widths[i]); forward uses the selected one.
class SwitchableBatchNorm2d : public Module, public Slimmable {
 public:
  explicit SwitchableBatchNorm2d(int64_t channels_max,
                                 const std::vector<double>& widths = kSlimWidths, double eps = 1e-5,
                                 double momentum = 0.1);
  void set_width_index(int64_t i);
  void set_width_mult(double mult) override;  // must be one of widths
  int64_t width_index() const { return index_; }
  int64_t channels() const { return channels_[index_]; }
  BatchNorm2d& bn(int64_t i) { return dynamic_cast<BatchNorm2d&>((*bns_)[i]); }
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "SwitchableBatchNorm2d"; }

 private:
  std::shared_ptr<Sequential> bns_;  // used as a list (PyTorch's ModuleList), never run in a row
  std::vector<double> widths_;
  std::vector<int64_t> channels_;
  int64_t index_;
};

// Per-width statistics (bn.i: BatchNorm2d(C_i), affine off by default since gamma_y, beta_y
// replace it; SlimGAN's code leaves PyTorch's affine on, bn_affine = true reproduces that) and
// one shared embed (num_classes, 2 C_max), gamma in columns [0, C_max) (init 1), beta in
// [C_max, 2 C_max) (init 0); width i uses gamma_y[:C_i] and beta_y[:C_i].
class SliceableConditionalBatchNorm2d : public Module, public Slimmable, public LabelConditioned {
 public:
  SliceableConditionalBatchNorm2d(int64_t channels_max, int64_t num_classes,
                                  const std::vector<double>& widths = kSlimWidths,
                                  double eps = 1e-5, double momentum = 0.1, bool bn_affine = false);
  void set_width_index(int64_t i);
  void set_width_mult(double mult) override;
  int64_t width_index() const { return index_; }
  int64_t channels() const { return channels_[index_]; }
  BatchNorm2d& bn(int64_t i) { return dynamic_cast<BatchNorm2d&>((*bns_)[i]); }
  using Module::operator();
  Tensor operator()(const Tensor& x, const Tensor& labels) {
    set_labels(labels);
    return Module::operator()(x);
  }
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "SliceableConditionalBatchNorm2d"; }
  // numel(out) for the conditional affine, as ConditionalBatchNorm2d; bn.i counts on its own.
  double macs(const Tensor&, const Tensor& out) const override {
    return static_cast<double>(out.numel());
  }

  std::shared_ptr<Embedding> embed;

 private:
  std::shared_ptr<Sequential> bns_;
  std::vector<double> widths_;
  std::vector<int64_t> channels_;
  int64_t channels_max_, index_;
};

}  // namespace ganlite::nn
