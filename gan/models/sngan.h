// Class-conditional SNGAN-ResNet pair for 32x32 images: the CIFAR ResNet G and D of Miyato et al.
// 2018 ("Spectral Normalization for GANs", appendix B.4) with conditional batch norm in G's blocks
// (Dumoulin et al. 2017) and the projection discriminator head (Miyato & Koyama 2018, eq. 3).
// Names follow torch_mimicry's cGAN-pd nets (G: l1, block2..4, b5, c5; D: block1..4, head), the
// codebase SlimGAN builds on. Labels reach the conditional layers through nn::set_labels.
#pragma once
#include "nn/cond_bn.h"

namespace ganlite::gan {

struct SnganGeneratorOptions {
  int64_t z_dim = 128, ch = 256, output_nc = 3, num_classes = 10;
};

struct SnganDiscriminatorOptions {
  int64_t input_nc = 3, ndf = 128, num_classes = 10;
};

// Up-residual block: b1 = CBN(y) -> ReLU -> nearest x2 -> c1 conv3x3 -> b2 = CBN(y) -> ReLU ->
// c2 conv3x3, plus the shortcut nearest x2 -> c_sc conv1x1. (N, in, H, W) -> (N, out, 2H, 2W).
class SnganGBlock : public nn::Module {
 public:
  SnganGBlock(int64_t in, int64_t out, int64_t num_classes);
  using Module::operator();
  Tensor operator()(const Tensor& x, const Tensor& labels);  // sets the labels of b1 and b2
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "GBlock"; }

  std::shared_ptr<nn::ConditionalBatchNorm2d> b1, b2;
  std::shared_ptr<nn::Conv2d> c1, c2, c_sc;
};

// z (N, z_dim) -> l1 Linear to (N, ch, 4, 4) -> 3 x SnganGBlock(ch, ch) -> b5 BatchNorm2d (not
// conditional, as in mimicry's cGAN-pd and SlimGAN) -> ReLU -> c5 conv3x3 to output_nc -> tanh:
// (N, output_nc, 32, 32) in [-1, 1]. Layers keep PyTorch's default initialisation.
class SnganGenerator : public nn::Module {
 public:
  explicit SnganGenerator(const SnganGeneratorOptions& o = {});
  using Module::operator();
  Tensor operator()(const Tensor& z, const Tensor& labels);  // labels: i64 (N)
  Tensor forward(const Tensor& z) override;                  // labels set beforehand
  std::string type_name() const override { return "Generator"; }
  const SnganGeneratorOptions& options() const { return o_; }

 private:
  SnganGeneratorOptions o_;
  std::shared_ptr<nn::Linear> l1_;
  std::vector<std::shared_ptr<SnganGBlock>> blocks_;
  std::shared_ptr<nn::BatchNorm2d> b5_;
  std::shared_ptr<nn::Conv2d> c5_;
};

// Block j (1..4) of SnganDiscriminator: block1 the optimised first block (input_nc -> ndf, to
// 16x16), block2 down to 8x8, block3 and block4 keep the size. SlimGAN's per-width branches are
// built from the same blocks.
constexpr int64_t kSnganDBlocks = 4;
nn::ModulePtr sngan_dblock(int64_t j, int64_t input_nc, int64_t ndf);

// x (N, input_nc, 32, 32) -> block1 (optimised: c1 -> ReLU -> c2 -> avgpool, shortcut avgpool ->
// c_sc conv1x1) to 16x16 -> block2 (down) to 8x8 -> block3, block4 (same size, identity
// shortcut) -> ReLU -> sum over H, W -> head ProjectionHead -> logit (N, 1). Every conv, the
// linear and the class embedding are spectrally normalised.
class SnganDiscriminator : public nn::Module {
 public:
  explicit SnganDiscriminator(const SnganDiscriminatorOptions& o = {});
  using Module::operator();
  Tensor operator()(const Tensor& x, const Tensor& labels);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Discriminator"; }

 private:
  SnganDiscriminatorOptions o_;
  std::vector<nn::ModulePtr> blocks_;
  std::shared_ptr<nn::ProjectionHead> head_;
};

}  // namespace ganlite::gan
