// Architectures by registry name with string options (from `--set key=value` or a spec), so
// apps and specs build models without knowing their classes.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "nn/module.h"

namespace ganlite::gan {

using Options = std::map<std::string, std::string>;

// Unknown names and options, and badly typed values, raise errors that list what is accepted.
nn::ModulePtr make_model(const std::string& name, const Options& options = {});
std::vector<std::string> model_names();

}  // namespace ganlite::gan
