// Architectures by registry name with string options (from `--set key=value` or a spec), so
// apps and specs build models without knowing their classes.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "engine/error.h"
#include "nn/module.h"

namespace ganlite::gan {

using Options = std::map<std::string, std::string>;

// An error about one option of a model, naming it in `key` (a spec error points at
// /model/G/options/<key>).
struct OptionError : Error {
  OptionError(std::string key, const std::string& message) : Error(message), key(std::move(key)) {}
  std::string key;
};

// Unknown names and options, badly typed values and values out of their range raise errors that
// list what is accepted: OptionError for one option, Error for the name or a combination.
nn::ModulePtr make_model(const std::string& name, const Options& options = {});
std::vector<std::string> model_names();

// The input a model takes for `batch` images of h x w: (batch, input_nc, h, w) for image models,
// (batch, nz, 1, 1) for the DCGAN generator (whose output size is its image_size option),
// (batch, z_dim) for the StyleGAN2 generator, (batch, 3, R, R) for the StyleGAN2 discriminator
// of resolution R. For profiling; options are only read here, make_model validates them.
Shape profile_input(const std::string& name, const Options& options, int64_t batch, int64_t h,
                    int64_t w);

// Every model's options (the type or range each takes, its default) as Markdown, one table per
// model, read from the registry as it builds each model with its defaults (`ganlite models`,
// docs/models.md).
std::string model_options_markdown();

// What an image model's input side must be a multiple of for its output to have the input's
// size: 4 for the ResNet generators (two stride-2 stages), 2^num_downs for the U-Net, 1 otherwise.
int64_t input_multiple(const std::string& name, const Options& options);

}  // namespace ganlite::gan
