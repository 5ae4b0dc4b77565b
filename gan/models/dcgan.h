// DCGAN (Radford et al. 2016) with the layer lists and parameter names of PyTorch's DCGAN
// tutorial (main.0.weight, ...): G maps (N, nz, 1, 1) noise through 4x4 transposed convolutions
// to an image, D maps an image through 4x4 stride-2 convolutions to one logit per sample.
#pragma once
#include "gan/models/resnet_generator.h"

namespace ganlite::gan {

// D's norm; "group" uses GroupNorm with dcgan_groups(channels) groups.
enum class DcganNorm { batch, group, none };
DcganNorm parse_dcgan_norm(const std::string& name);  // "batch" | "group" | "none"
// 32 groups (Wu & He 2018's default), or gcd(32, channels) when 32 does not divide channels.
int64_t dcgan_groups(int64_t channels);

struct DcganGeneratorOptions {
  int64_t nz = 100, ngf = 64, output_nc = 3;
  int64_t image_size = 64;  // 64 or 32; 32 drops the ngf*8 stage
};

struct DcganDiscriminatorOptions {
  int64_t input_nc = 3, ndf = 64;
  int64_t image_size = 64;  // 64 or 32; 32 drops the ndf*8 stage
  DcganNorm norm = DcganNorm::batch;
};

// ConvT(nz, ngf*8, 4, 1, 0) to 4x4, then 4x4 stride-2 ConvT halving the channels and doubling
// the size, each with BatchNorm and ReLU; ConvT to output_nc and Tanh last. No biases.
class DcganGenerator : public nn::Module {
 public:
  explicit DcganGenerator(const DcganGeneratorOptions& o = {});
  Tensor forward(const Tensor& z) override;  // z: (N, nz, 1, 1)
  std::string type_name() const override { return "Generator"; }

 private:
  std::shared_ptr<nn::Sequential> main_;
  int64_t nz_;
};

// Conv 4x4 s2 + LeakyReLU(0.2), then Conv 4x4 s2 doubling the channels + norm + LeakyReLU(0.2),
// then Conv(ndf*8, 1, 4, 1, 0). The tutorial ends with a Sigmoid; this returns the logit
// (N, 1, 1, 1), for the numerically stable bce_with_logits. No biases, as in the tutorial.
class DcganDiscriminator : public nn::Module {
 public:
  explicit DcganDiscriminator(const DcganDiscriminatorOptions& o = {});
  Tensor forward(const Tensor& x) override { return (*main_)(x); }
  std::string type_name() const override { return "Discriminator"; }

 private:
  std::shared_ptr<nn::Sequential> main_;
};

}  // namespace ganlite::gan
