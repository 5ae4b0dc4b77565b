// Per-layer output shapes, parameters and MACs of a module for one input shape, in two
// conventions: `macs_torchprofile`, the rules of torchprofile (what GAN-compression papers
// report), and `macs_true`, which counts a transposed convolution on its input grid (the work it
// really does). The rules are listed in docs/profile.md.
#pragma once
#include <string>
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

// Runs one forward of zeros of `input` shape in eval mode without gradients; the module's
// train/eval state is restored afterwards.
Profile profile(Module& model, const Shape& input);

}  // namespace ganlite::nn
