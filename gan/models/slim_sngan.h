// Slimmable class-conditional SNGAN-ResNet pair for 32x32 images (Hou et al. 2021, "Slimmable
// Generative Adversarial Networks", sec. 3; the cGAN-pd nets of gan/models/sngan.h): one G whose
// widths are leading slices of one set of weights (sliceable conditional BN in the blocks,
// switchable BN at b5), and one D per width whose first n_share blocks are shared. The names follow
// gan/models/sngan.h, so export_width maps a width onto a dense sngan_generator key by key.
#pragma once
#include <string>
#include <vector>

#include "gan/models/registry.h"
#include "nn/slim.h"

namespace ganlite::gan {

// Widths: strictly ascending multipliers in (0, 1]. "0.25,0.5,0.75,1" <-> {0.25, 0.5, 0.75, 1};
// errors name `who`.
std::vector<double> parse_widths(const std::string& text, const std::string& who = "widths");
std::string widths_string(const std::vector<double>& widths);  // shortest exact form, e.g. 0.25
// Throws naming `who` unless widths is non-empty, strictly ascending and within (0, 1].
void check_widths(const std::string& who, const std::vector<double>& widths);
// The index of mult in widths (1e-9 tolerance), or an error listing them.
int64_t width_index(const std::string& who, const std::vector<double>& widths, double mult);

struct SlimSnganGeneratorOptions {
  int64_t z_dim = 128, ch = 256, output_nc = 3, num_classes = 10;
  std::vector<double> widths = nn::kSlimWidths;
};

// D is not slimmed (SlimGAN's code, techniques.md 1.2): one full-width D per G width. Blocks
// block1..block{n_share} are shared by every width; the later blocks and the projection head are
// private to each width. n_share = -1 shares only the head (SlimGAN's "only the final linear").
struct SlimSnganDiscriminatorOptions {
  int64_t input_nc = 3, ndf = 128, num_classes = 10;
  std::vector<double> widths = nn::kSlimWidths;
  int64_t n_share = 2;  // in [-1, 4]
};

// l1 of the generator: a SlimLinear whose outputs come in groups of `group` (the 4x4 pixels of
// one channel, channel-major), so width mult keeps group * slim_channels(out_max / group, mult)
// outputs: exactly the first C_w channels of the reshaped (C, 4, 4) map, with C_w rounded as
// every other layer rounds it.
class SlimGroupedLinear : public nn::SlimLinear {
 public:
  SlimGroupedLinear(int64_t in_max, int64_t groups_max, int64_t group);
  void set_width_mult(double mult) override;
  int64_t group;
};

// Up-residual block at the current width: b1 = sliceable CBN(y) -> ReLU -> nearest x2 -> c1
// conv3x3 -> b2 = sliceable CBN(y) -> ReLU -> c2 conv3x3, plus nearest x2 -> c_sc conv1x1.
class SlimSnganGBlock : public nn::Module {
 public:
  SlimSnganGBlock(int64_t ch, int64_t num_classes, const std::vector<double>& widths);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "SlimGBlock"; }

  std::shared_ptr<nn::SliceableConditionalBatchNorm2d> b1, b2;
  std::shared_ptr<nn::SlimConv2d> c1, c2, c_sc;
};

// z (N, z_dim) -> l1 to (N, C_w, 4, 4) -> block2..block4 -> b5 switchable BN -> ReLU -> c5
// conv3x3 (sliced on its input only) -> tanh: (N, output_nc, 32, 32), C_w = slim_channels(ch,
// w). nn::set_width_mult(G, w) switches every layer; a new G runs at its widest width.
class SlimSnganGenerator : public nn::Module {
 public:
  explicit SlimSnganGenerator(const SlimSnganGeneratorOptions& o = {});
  using Module::operator();
  Tensor operator()(const Tensor& z, const Tensor& labels);  // labels: i64 (N)
  Tensor forward(const Tensor& z) override;                  // labels set beforehand
  std::string type_name() const override { return "SlimGenerator"; }
  const SlimSnganGeneratorOptions& options() const { return o_; }
  // The channels the current width runs at (b5 tells: every layer switches together).
  int64_t channels() const { return b5_->channels(); }

 private:
  SlimSnganGeneratorOptions o_;
  std::shared_ptr<SlimGroupedLinear> l1_;
  std::vector<std::shared_ptr<SlimSnganGBlock>> blocks_;
  std::shared_ptr<nn::SwitchableBatchNorm2d> b5_;
  std::shared_ptr<nn::SlimConv2d> c5_;
};

// One width's private part of the D: blocks block{n_share+1}..block4 and, unless shared, head.
class SlimSnganDBranch : public nn::Module {
 public:
  // Blocks first_block..4 of a D with input_nc image channels and ndf features; a head too
  // when with_head.
  SlimSnganDBranch(int64_t first_block, int64_t input_nc, int64_t ndf, int64_t num_classes,
                   bool with_head);
  Tensor forward(const Tensor& x) override;  // the blocks only; the D applies the head
  std::string type_name() const override { return "DBranch"; }
  std::vector<nn::ModulePtr> blocks;
  std::shared_ptr<nn::ProjectionHead> head;  // null when the head is shared
};

// x (N, input_nc, 32, 32) -> shared blocks -> the current width's branch -> ReLU -> sum over H, W
// -> its head (or the shared one) -> logit (N, 1). The blocks are SnganDiscriminator's: block1
// optimised (to 16x16), block2 down (to 8x8), block3, block4; every layer spectrally normalised.
// Names: block1..block{n_share} and (n_share = -1) head at the top, branches.<i>.block<j> and
// branches.<i>.head per width. A new D runs at its widest width.
class SlimSnganDiscriminator : public nn::Module, public nn::Slimmable {
 public:
  explicit SlimSnganDiscriminator(const SlimSnganDiscriminatorOptions& o = {});
  using Module::operator();
  Tensor operator()(const Tensor& x, const Tensor& labels);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "SlimDiscriminator"; }
  void set_width_mult(double mult) override;  // must be one of widths
  int64_t width_index() const { return index_; }
  const SlimSnganDiscriminatorOptions& options() const { return o_; }
  // The dotted name, in this module, of dense SnganDiscriminator key `dense_key` at width index
  // i ("block3.c1.weight_orig" -> "branches.1.block3.c1.weight_orig" when block3 is private).
  std::string source_key(const std::string& dense_key, int64_t i) const;

 private:
  SlimSnganDiscriminatorOptions o_;
  std::vector<nn::ModulePtr> shared_;
  std::shared_ptr<nn::ProjectionHead> shared_head_;
  std::vector<std::shared_ptr<SlimSnganDBranch>> branches_;
  int64_t index_;
};

// A dense network equal to one width of a slimmable one: the registry name and options that
// build it (make_model) and the state_dict that loads into it (strict).
struct DenseExport {
  std::string model;
  Options options;
  TensorMap state;
};

// The sngan_generator of ch = slim_channels(ch, width) whose outputs equal G's at `width`
// exactly (same ops on the same values): copies of the leading slices of the conv and linear
// weights, of columns [0, C) and [C_max, C_max + C) of each shared class embedding, and width's
// private BN statistics (and b5's affine).
DenseExport export_width(const SlimSnganGenerator& G, double width);
// The sngan_discriminator that D runs as at `width`: shared blocks plus that width's branch.
DenseExport export_width(const SlimSnganDiscriminator& D, double width);

}  // namespace ganlite::gan
