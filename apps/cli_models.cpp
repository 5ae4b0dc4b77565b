// ganlite models: the registry's architectures and the options each takes (docs/models.md embeds
// this output).
#include <cstdio>

#include "apps/cli.h"
#include "gan/models/registry.h"

namespace ganlite::cli {
namespace {

int cmd_models(const std::vector<std::string>& args) {
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::printf(
        "usage: ganlite models\n\n"
        "  every registry model with the options it takes (type or range, default), as Markdown;\n"
        "  a spec sets them under model.G.options / model.D.options, profile and bench with\n"
        "  --set key=value\n");
    return 0;
  }
  if (!args.empty()) throw UsageError("models: unexpected argument " + args[0]);
  std::printf("%s", gan::model_options_markdown().c_str());
  return 0;
}

const RegisterCommand reg{
    {"models", "models\n        the registry's architectures and their options", cmd_models}};

}  // namespace
}  // namespace ganlite::cli
