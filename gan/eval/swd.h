// Sliced Wasserstein distance between two image sets on Laplacian pyramids, after Karras et al.
// 2018 (ProGAN, appendix D.1): per pyramid level, random 7x7 patches become descriptors,
// normalised per channel, and the 1-D Wasserstein-1 distance along random unit directions
// (sort both projections, mean |difference|) is averaged over directions. Needs no network.
#pragma once
#include <cstdint>
#include <vector>

#include "engine/random.h"
#include "engine/tensor.h"

namespace ganlite::gan {

struct SwdOptions {
  int64_t patches_per_level = 4096;  // descriptors per level and set (ProGAN: 128 per image)
  int64_t patch_size = 7;            // ProGAN's 7x7 neighbourhoods
  int64_t projections = 512;         // random directions per level (ProGAN: 4 x 128)
  int64_t min_resolution = 8;        // coarsest level kept (ProGAN: 16, for 1024^2 images)
};

struct SwdResult {
  std::vector<double> levels;  // finest first
  double mean = 0;             // the average over levels
};

// a and b are (N1, C, H, W) and (N2, C, H, W), any value range. The pyramid: G_0 = image,
// G_{i+1} = 2x-decimated 5x5 binomial blur of G_i (reflect-101 borders), kept while
// min(H_i, W_i) >= max(min_resolution, patch_size); L_i = G_i - up(G_{i+1}) with up = zero
// insertion then the same blur times 4, and the last level is G_last itself.
// Patch positions (image, y, x) are drawn from a copy of gen for each set, so both sets use the
// same positions (common random numbers: identical sets give exactly 0, and the variance of a
// difference of two SWDs is lower); gen then advances past them and draws the directions.
// Each set's descriptors are normalised by its own per-channel mean and standard deviation, as
// in ProGAN. ProGAN reports 1e3 x SWD; this returns the raw value.
SwdResult sliced_wasserstein(const Tensor& a, const Tensor& b, Generator& gen,
                             const SwdOptions& options = {});

}  // namespace ganlite::gan
