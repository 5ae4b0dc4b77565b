// Per-layer output shapes, parameters and MACs of a module for one input shape, in two
// conventions: `macs_torchprofile`, the rules of torchprofile (what GAN-compression papers
// report), and `macs_true`, which counts a transposed convolution on its input grid (the work it
// really does). The rules are listed in docs/profile.md.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "nn/module.h"

namespace ganlite::nn {

struct LayerProfile {
  std::string name, type;
  Shape output;
  int64_t params = 0;
  double macs_torchprofile = 0, macs_true = 0;
};

struct Profile {
  std::vector<LayerProfile> layers;  // leaf modules in call order
  int64_t params = 0;
  double macs_torchprofile = 0, macs_true = 0;
};

// The built-in rules as functions, for layers that count themselves through Module::macs:
// conv numel(out) * C_in/groups * kh * kw for a weight (C_out, C_in/groups, kh, kw); transposed
// conv for a weight (C_in, C_out/groups, kh, kw), {torchprofile on the output grid, true on the
// input grid}; linear numel(out) * in_features.
double conv2d_macs(const Tensor& out, const Shape& weight);
std::pair<double, double> conv_transpose2d_macs(const Tensor& in, const Tensor& out,
                                                const Shape& weight);
double linear_macs(const Tensor& out, int64_t in_features);

// Runs one forward of zeros of `input` shape in eval mode without gradients; the module's
// train/eval state is restored afterwards. Class-conditional modules (nn::LabelConditioned) get
// label 0 for each of the input[0] samples during the call, and their own labels back after.
Profile profile(Module& model, const Shape& input);

}  // namespace ganlite::nn
