// StyleGAN2 (Karras et al. 2020, "Analyzing and Improving the Image Quality of StyleGAN") for
// 32-64 px on the CPU: equalized learning rate (Karras et al. 2018, sec. 4.1), the mapping network,
// modulated convolution with weight demodulation (sec. 2.2, eq. 1-3), noise inputs, the skip
// generator and the residual discriminator of Fig. 7, and the minibatch standard deviation layer.
// Every op on G's and D's paths differentiates twice, for the R1 and path-length regularisers of
// the trainer (losses.r1_gamma, losses.pl_weight; gan/train/penalties.h). No style mixing.
#pragma once
#include <memory>
#include <utility>
#include <vector>

#include "engine/random.h"
#include "nn/layers.h"

namespace ganlite::gan {

// Channels at resolution r: min(channel_max, channel_base / r). The defaults give
// {4: 512, 8: 512, 16: 256, 32: 128, 64: 64}; halving both halves every layer (DGL-GAN's students
// divide every layer's channels by a fraction the same way).
struct StyleGan2Options {
  int64_t resolution = 64;  // 32 or 64 for the registry; any power of two >= 8 works here
  int64_t z_dim = 512, w_dim = 512, n_mlp = 8;
  int64_t channel_base = 4096, channel_max = 512;
  int64_t img_channels = 3;  // of G's output and D's input (1 for gray datasets)
  double mapping_lr_mul = 0.01;
  double truncation_psi = 1.0;  // 1 = no truncation; w_avg is tracked during training
};
int64_t stylegan2_channels(const StyleGan2Options& o, int64_t resolution);

// Equalized learning rate: the stored weight is N(0, 1/lr_mul) and is used as
// weight * lr_mul / sqrt(fan_in), so every layer starts as a He-initialised layer while Adam's
// step is the same size for every parameter (times lr_mul: the mapping net learns 100x slower).
// The bias is stored as bias_init / lr_mul and used times lr_mul. `activate` fuses StyleGAN's
// leaky_relu(0.2) * sqrt(2) (the sqrt(2) keeps the signal's second moment).
class EqualLinear : public nn::Module {
 public:
  EqualLinear(int64_t in, int64_t out, double bias_init = 0.0, double lr_mul = 1.0,
              bool activate = false);
  Tensor forward(const Tensor& x) override;  // (N, in) -> (N, out)
  std::string type_name() const override { return "EqualLinear"; }
  double macs(const Tensor& in, const Tensor& out) const override;  // numel(out) * in, as Linear
  Tensor weight, bias;                                              // (out, in), (out)

 private:
  double scale_, lr_mul_;
  bool activate_;
};

// A k x k convolution (stride 1, padding k/2) with equalized learning rate, optionally after a 2x
// average-pool downsampling (the discriminator's); bias and activation optional.
class EqualConv2d : public nn::Module {
 public:
  EqualConv2d(int64_t in, int64_t out, int64_t kernel, bool bias = true, bool activate = false,
              bool downsample = false);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "EqualConv2d"; }
  double macs(const Tensor& in, const Tensor& out) const override;  // numel(out) * in * k * k
  Tensor weight, bias;                                              // (out, in, k, k), (out)

 private:
  double scale_;
  bool activate_, downsample_;
};

// Eq. 1-3: the style s = modulation(w) scales the weight's input channels per sample,
// w'_{n,o,i} = scale * W_{o,i} * s_{n,i}; demodulation divides by sqrt(sum_{i,k,k} w'^2 + 1e-8)
// per (sample, output channel). The batch runs as ONE grouped conv2d: x as (1, N*C, H, W), the
// weights as (N*K, C, k, k), groups = N. An upsampling layer first doubles x bilinearly
// (align_corners=false) and then convolves, instead of the official transposed conv + [1,3,3,1]
// blur: bilinear 2x is that same FIR filter except at the border, where it replicates the edge
// pixel instead of padding with zeros.
class ModulatedConv2d : public nn::Module {
 public:
  ModulatedConv2d(int64_t in, int64_t out, int64_t kernel, int64_t w_dim, bool demodulate = true,
                  bool upsample = false);
  Tensor forward(const Tensor& x, const Tensor& w);  // (N, C, H, W), (N, w_dim)
  Tensor forward(const Tensor& x) override;          // an error: needs w
  std::string type_name() const override { return "ModulatedConv2d"; }
  // numel(out) * C_in * k * k, the conv; the style linear counts as its own layer (modulation)
  // and the per-sample weight scaling (N*K*C*k*k, 1/(H*W) of the conv) is not counted.
  double macs(const Tensor& in, const Tensor& out) const override;
  // The per-sample weights (N, K, C, k, k) the conv uses, for tests of the demodulation.
  Tensor modulated_weight(const Tensor& w);
  Tensor weight;  // (out, in, k, k), N(0, 1)
  std::shared_ptr<EqualLinear> modulation;

 private:
  double scale_;
  bool demodulate_, upsample_;
};

// Modulated 3x3 conv, then noise * strength (strength learned, initialised 0; noise N(0, 1) per
// pixel, shared by the channels), then bias and leaky_relu(0.2) * sqrt(2).
class StyledConv : public nn::Module {
 public:
  StyledConv(int64_t in, int64_t out, int64_t w_dim, bool upsample);
  Tensor forward(const Tensor& x, const Tensor& w);
  Tensor forward(const Tensor& x) override;  // an error: needs w
  std::string type_name() const override { return "StyledConv"; }
  std::shared_ptr<ModulatedConv2d> conv;
  Tensor noise_strength, bias;  // (1), (out)
  // When defined, (1 or N, 1, H, W) noise used at every call instead of fresh draws from
  // default_generator(): deterministic outputs for tests and for comparing models.
  Tensor fixed_noise;
};

// Modulated 1x1 conv to RGB without demodulation, plus bias; adds the upsampled RGB of the
// previous resolution (the skip generator of Fig. 7b).
class ToRgb : public nn::Module {
 public:
  ToRgb(int64_t in, int64_t w_dim, int64_t img_channels = 3);
  Tensor forward(const Tensor& x, const Tensor& w, const Tensor& skip);  // skip may be undefined
  Tensor forward(const Tensor& x) override;                              // an error: needs w
  std::string type_name() const override { return "ToRgb"; }
  std::shared_ptr<ModulatedConv2d> conv;
  Tensor bias;  // (3)
};

// One resolution of the synthesis network: StyledConv up (conv0), StyledConv (conv1), ToRgb.
// The 4x4 block has no conv0.
class SynthesisBlock : public nn::Module {
 public:
  SynthesisBlock(int64_t in, int64_t out, int64_t w_dim, bool first, int64_t img_channels = 3);
  // (x, rgb) at half this resolution (rgb undefined for the first block) -> (x, rgb) at this one.
  std::pair<Tensor, Tensor> forward(const Tensor& x, const Tensor& rgb, const Tensor& w);
  // The same with one w per layer: conv0's (unused in the first block), conv1's, to_rgb's.
  std::pair<Tensor, Tensor> forward(const Tensor& x, const Tensor& rgb, const Tensor& w0,
                                    const Tensor& w1, const Tensor& w_rgb);
  Tensor forward(const Tensor& x) override;  // an error: needs w
  std::string type_name() const override { return "SynthesisBlock"; }
  std::shared_ptr<StyledConv> conv0, conv1;  // conv0 null in the first block
  std::shared_ptr<ToRgb> to_rgb;
};

// z (N, z_dim) -> image (N, 3, R, R): pixel norm of z, n_mlp EqualLinear + activation layers with
// lr_mul 0.01 to w, optional truncation toward w_avg, then the synthesis network from a learned
// 4x4 constant. Every layer gets the same w (no style mixing, a training-time regulariser). The
// output is linear (no tanh), as in the paper.
class StyleGan2Generator : public nn::Module {
 public:
  explicit StyleGan2Generator(const StyleGan2Options& o = {});
  Tensor forward(const Tensor& z) override;
  std::string type_name() const override { return "StyleGan2Generator"; }
  Tensor mapping_forward(const Tensor& z);  // (N, w_dim), before truncation
  // w (N, w_dim) for every layer, or ws (N, num_ws(), w_dim), one per layer as StyleGAN2 indexes
  // them: a block's convs take ws[i], ws[i + 1] and its to_rgb ws[i + 2], which the next block's
  // first conv shares (the path-length regulariser differentiates with respect to each).
  Tensor synthesis_forward(const Tensor& w);
  int64_t num_ws() const { return 2 * static_cast<int64_t>(blocks.size()); }
  // Draws one (1, 1, H, W) noise map per StyledConv from gen and keeps it (fixed_noise), or
  // clears them to go back to fresh noise at every call.
  void set_fixed_noise(Generator& gen);
  void clear_fixed_noise();
  std::vector<std::shared_ptr<StyledConv>> styled_convs();
  const StyleGan2Options& options() const { return o_; }

  std::shared_ptr<nn::Sequential> mapping;              // EqualLinear layers "0".."n_mlp-1"
  Tensor const_input, w_avg;                            // (1, C4, 4, 4) parameter; (w_dim) buffer
  std::vector<std::shared_ptr<SynthesisBlock>> blocks;  // "b4", "b8", ...

 private:
  StyleGan2Options o_;
};

// Minibatch standard deviation (Karras et al. 2018, sec. 3): the std over groups of G samples of
// each feature, averaged over channels and pixels, appended as one constant channel. G is the
// largest divisor of N that is at most min(4, N); as in the official reshape, group j holds
// samples j, j + N/G, j + 2N/G, ...
Tensor minibatch_stddev(const Tensor& x, int64_t group_size = 4);

// Fig. 7c residual block: conv3x3 (in -> in), 2x average pool + conv3x3 (in -> out), both with
// bias and activation; skip: 2x average pool + 1x1 conv without bias; sum / sqrt(2).
class DiscriminatorBlock : public nn::Module {
 public:
  DiscriminatorBlock(int64_t in, int64_t out);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "DiscriminatorBlock"; }
  std::shared_ptr<EqualConv2d> conv0, conv1, skip;
};

// Image (N, 3, R, R) -> logit (N, 1): FromRGB 1x1 + activation, residual blocks down to 4x4,
// minibatch stddev, conv3x3 + activation, EqualLinear + activation, EqualLinear to one logit.
class StyleGan2Discriminator : public nn::Module {
 public:
  explicit StyleGan2Discriminator(const StyleGan2Options& o = {});
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "StyleGan2Discriminator"; }

 private:
  std::shared_ptr<EqualConv2d> from_rgb_, final_conv_;
  std::shared_ptr<nn::Sequential> blocks_;
  std::shared_ptr<EqualLinear> fc_, out_;
  int64_t resolution_, img_channels_;
};

}  // namespace ganlite::gan
