// Translating folders of images with an image -> image generator, as users of
// pytorch-CycleGAN-and-pix2pix's test.py expect (`ganlite infer --input`): outputs of the input's
// size (padded to what the network needs, cropped back), aligned A|B images split and the
// direction honoured, a results page (index.html: input, output, reconstruction or target side by
// side), names that do not collide, and a bad image reported by name and skipped.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "engine/tensor.h"
#include "nn/module.h"

namespace ganlite::gan {

struct TranslateOptions {
  int64_t channels = 3;         // images are read with this many channels
  int64_t multiple = 1;         // gan::input_multiple of the generator
  bool aligned = false;         // inputs are A|B pairs (pix2pix's aligned layout): split them
  bool b_to_a = false;          // aligned: the right half is the input, the left the target
  Device device = Device::cpu;  // where G runs (G must be there already)
  nn::Module* back = nullptr;   // CycleGAN: the generator of the other direction, for the
                                // reconstruction column
};

struct TranslateResult {
  int64_t translated = 0;
  std::vector<std::pair<std::string, std::string>> failed;  // (file, why)
};

// x (1, C, H, W) padded by reflection (repeated where the pad exceeds the image) so that H and W
// are multiples of `multiple`, through G, the output cropped back to H x W.
Tensor translate_one(nn::Module& G, const Tensor& x, int64_t multiple);

// Every image of `input` (a file or a folder) through G into `output`: output/<name>.png (G's
// output; <name> is the file's stem, with its extension appended where two inputs share a stem),
// output/images/<name>_{input,output,reconstruction,target}.png and output/index.html. A file
// that cannot be read or translated is skipped and listed in the result; the others go on.
TranslateResult translate_images(nn::Module& G, const std::string& input, const std::string& output,
                                 const TranslateOptions& options);

}  // namespace ganlite::gan
