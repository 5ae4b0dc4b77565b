// GAN weight initialisation, with the semantics of pytorch-CycleGAN-and-pix2pix's
// init_weights(net, init_type, init_gain) (models/networks.py) and torch.nn.init's formulas:
// Xavier/Glorot (Glorot & Bengio 2010, eq. 16, normal form), Kaiming/He (He et al. 2015,
// "Delving Deep into Rectifiers", eq. 10) and orthogonal (Saxe et al. 2014, "Exact solutions
// to the nonlinear dynamics of learning in deep linear networks"). Draws use default_generator().
#pragma once
#include <string>

#include "engine/tensor.h"
#include "nn/module.h"

namespace ganlite::nn {

// Per-tensor initialisers: overwrite w in place (under NoGradGuard, so leaves that require grad
// are fine) and return the same handle. Fans follow PyTorch's _calculate_fan_in_and_fan_out:
// fan_in = size(1) * receptive field, fan_out = size(0) * receptive field, so they need dim >= 2
// (and a ConvTranspose2d weight, stored (in, out/groups, kh, kw), gets PyTorch's fans too).
enum class FanMode { fan_in, fan_out };

Tensor normal_(Tensor w, double mean = 0.0, double std = 1.0);
Tensor zeros_(Tensor w);
// std = gain * sqrt(2 / (fan_in + fan_out)).
Tensor xavier_normal_(Tensor w, double gain = 1.0);
// std = sqrt(2 / (1 + a^2)) / sqrt(fan): the leaky-ReLU gain with negative slope a.
Tensor kaiming_normal_(Tensor w, double a = 0.0, FanMode mode = FanMode::fan_in);
// w viewed as (size(0), numel / size(0)) gets orthonormal rows (rows <= cols) or columns
// (rows > cols), times gain: the Q of a Gaussian matrix's QR with R's diagonal made positive.
Tensor orthogonal_(Tensor w, double gain = 1.0);

// For every Conv2d, ConvTranspose2d and Linear in net (net included): the weight from init_type
// ("normal": N(0, gain); "xavier": xavier_normal_ with gain; "kaiming": kaiming_normal_ with
// a = 0, fan_in, gain unused as in CycleGAN; "orthogonal": orthogonal_ with gain) and the bias,
// when present, 0. For BatchNorm2d, whatever init_type: weight N(1, gain), bias 0. We treat affine
// InstanceNorm2d and GroupNorm like BatchNorm2d (CycleGAN never has affine ones; a norm weight
// near 1 is the neutral choice). Beyond CycleGAN: spectral-norm layers get the weight rule on
// weight_orig (u and v stay; the next training forward's power iteration follows the new
// weight), SNEmbedding too (an embedding is a linear map of a one-hot); slim layers on their full
// weight and bias; conditional batch norms (plain and sliceable) get the BatchNorm2d rule on their
// tables, gamma_y ~ N(1, gain) and beta_y = 0 (SlimGAN's init); a ProjectionHead without spectral
// norm gets the weight rule on its embedding. Other modules, plain Embedding included, are left as
// they are.
void init_weights(Module& net, const std::string& init_type = "normal", double gain = 0.02);

}  // namespace ganlite::nn
