// SNGAN-ResNet G and D at 32x32 (see sngan.h). Upsampling is nearest (Miyato et al.'s chainer
// code; mimicry and SlimGAN use bilinear), pooling 2x2 average, and the D's residual blocks
// follow the paper's ordering: ReLU before each conv, shortcut conv1x1 then pool.
#include "gan/models/sngan.h"

#include "engine/ops.h"

namespace ganlite::gan {

using nn::Pair;
using std::make_shared;

namespace {

// 2x2 average pooling as a layer, so the profile counts it as torchprofile's avg_pool2d handler
// does (numel(out)) and lists it.
class AvgPool2x2 : public nn::Module {
 public:
  Tensor forward(const Tensor& x) override { return avg_pool2d(x, 2); }
  std::string type_name() const override { return "AvgPool2d"; }
  double macs(const Tensor&, const Tensor& out) const override {
    return static_cast<double>(out.numel());
  }
};

std::shared_ptr<nn::Conv2d> conv3x3(int64_t in, int64_t out) {
  return make_shared<nn::Conv2d>(in, out, Pair{3, 3}, Pair{1, 1}, Pair{1, 1});
}

std::shared_ptr<nn::SNConv2d> sn_conv(int64_t in, int64_t out, int64_t k) {
  return make_shared<nn::SNConv2d>(in, out, Pair{k, k}, Pair{1, 1}, Pair{k / 2, k / 2});
}

// D's residual block: ReLU -> c1 -> ReLU -> c2 [-> pool], shortcut [c_sc conv1x1 -> pool] when
// the channels change or it downsamples, identity otherwise.
class DBlock : public nn::Module {
 public:
  DBlock(int64_t in, int64_t out, bool down) {
    c1_ = register_module("c1", sn_conv(in, out, 3));
    c2_ = register_module("c2", sn_conv(out, out, 3));
    if (in != out || down) c_sc_ = register_module("c_sc", sn_conv(in, out, 1));
    if (down) pool_ = register_module("pool", make_shared<AvgPool2x2>());
  }
  Tensor forward(const Tensor& x) override {
    Tensor h = (*c2_)(relu((*c1_)(relu(x))));
    Tensor sc = c_sc_ ? (*c_sc_)(x) : x;
    if (pool_) {
      h = (*pool_)(h);
      sc = (*pool_)(sc);
    }
    return h + sc;
  }
  std::string type_name() const override { return "DBlock"; }

 private:
  std::shared_ptr<nn::SNConv2d> c1_, c2_, c_sc_;
  std::shared_ptr<AvgPool2x2> pool_;
};

// D's first block: no ReLU before c1 (the input is an image), and the shortcut pools before its
// conv1x1, which is 4x cheaper than after and the same linear map.
class DBlockOptimized : public nn::Module {
 public:
  DBlockOptimized(int64_t in, int64_t out) {
    c1_ = register_module("c1", sn_conv(in, out, 3));
    c2_ = register_module("c2", sn_conv(out, out, 3));
    c_sc_ = register_module("c_sc", sn_conv(in, out, 1));
    pool_ = register_module("pool", make_shared<AvgPool2x2>());
  }
  Tensor forward(const Tensor& x) override {
    Tensor h = (*pool_)((*c2_)(relu((*c1_)(x))));
    return h + (*c_sc_)((*pool_)(x));
  }
  std::string type_name() const override { return "DBlockOptimized"; }

 private:
  std::shared_ptr<nn::SNConv2d> c1_, c2_, c_sc_;
  std::shared_ptr<AvgPool2x2> pool_;
};

}  // namespace

SnganGBlock::SnganGBlock(int64_t in, int64_t out, int64_t num_classes) {
  GANLITE_CHECK(in > 0 && out > 0, "SnganGBlock: channels must be positive, got ", in, " -> ", out);
  b1 = register_module("b1", make_shared<nn::ConditionalBatchNorm2d>(in, num_classes));
  c1 = register_module("c1", conv3x3(in, out));
  b2 = register_module("b2", make_shared<nn::ConditionalBatchNorm2d>(out, num_classes));
  c2 = register_module("c2", conv3x3(out, out));
  // The block always upsamples, so the shortcut always needs its own map (mimicry's learnable_sc).
  c_sc = register_module("c_sc", make_shared<nn::Conv2d>(in, out, Pair{1, 1}));
}

Tensor SnganGBlock::operator()(const Tensor& x, const Tensor& labels) {
  nn::set_labels(*this, labels);
  return Module::operator()(x);
}

Tensor SnganGBlock::forward(const Tensor& x) {
  Tensor h = upsample_nearest2d(relu((*b1)(x)), 2);
  h = (*c2)(relu((*b2)((*c1)(h))));
  return h + (*c_sc)(upsample_nearest2d(x, 2));
}

SnganGenerator::SnganGenerator(const SnganGeneratorOptions& o) : o_(o) {
  GANLITE_CHECK(o.z_dim > 0 && o.ch > 0 && o.output_nc > 0 && o.num_classes > 0,
                "SnganGenerator: z_dim, ch, output_nc and num_classes must be positive");
  l1_ = register_module("l1", make_shared<nn::Linear>(o.z_dim, 4 * 4 * o.ch));
  for (int i = 2; i <= 4; ++i)
    blocks_.push_back(register_module("block" + std::to_string(i),
                                      make_shared<SnganGBlock>(o.ch, o.ch, o.num_classes)));
  b5_ = register_module("b5", make_shared<nn::BatchNorm2d>(o.ch));
  c5_ = register_module("c5", conv3x3(o.ch, o.output_nc));
}

Tensor SnganGenerator::operator()(const Tensor& z, const Tensor& labels) {
  nn::set_labels(*this, labels);
  return Module::operator()(z);
}

Tensor SnganGenerator::forward(const Tensor& z) {
  GANLITE_CHECK(z.dim() == 2 && z.size(1) == o_.z_dim, "SnganGenerator: expected noise (N, ",
                o_.z_dim, "), got ", z.shape_str());
  // l1's outputs are channel-major, so the leading channels of (ch, 4, 4) are leading outputs.
  Tensor h = (*l1_)(z).reshape({z.size(0), o_.ch, 4, 4});
  for (auto& b : blocks_) h = (*b)(h);
  return tanh((*c5_)(relu((*b5_)(h))));
}

nn::ModulePtr sngan_dblock(int64_t j, int64_t input_nc, int64_t ndf) {
  GANLITE_CHECK(j >= 1 && j <= kSnganDBlocks, "sngan_dblock: block ", j, " of 1..", kSnganDBlocks);
  if (j == 1) return make_shared<DBlockOptimized>(input_nc, ndf);
  return make_shared<DBlock>(ndf, ndf, j == 2);
}

SnganDiscriminator::SnganDiscriminator(const SnganDiscriminatorOptions& o) : o_(o) {
  GANLITE_CHECK(o.input_nc > 0 && o.ndf > 0 && o.num_classes > 0,
                "SnganDiscriminator: input_nc, ndf and num_classes must be positive");
  for (int64_t j = 1; j <= kSnganDBlocks; ++j)
    blocks_.push_back(
        register_module("block" + std::to_string(j), sngan_dblock(j, o.input_nc, o.ndf)));
  head_ = register_module("head", make_shared<nn::ProjectionHead>(o.ndf, o.num_classes, true));
}

Tensor SnganDiscriminator::operator()(const Tensor& x, const Tensor& labels) {
  nn::set_labels(*this, labels);
  return Module::operator()(x);
}

Tensor SnganDiscriminator::forward(const Tensor& x) {
  GANLITE_CHECK(x.dim() == 4 && x.size(1) == o_.input_nc && x.size(2) == 32 && x.size(3) == 32,
                "SnganDiscriminator: expected images (N, ", o_.input_nc, ", 32, 32), got ",
                x.shape_str());
  Tensor h = x;
  for (auto& b : blocks_) h = (*b)(h);
  // Global sum pooling (not mean), as in the paper: the logit scales with the feature map area.
  return (*head_)(sum(relu(h), {2, 3}));
}

}  // namespace ganlite::gan
