// ganlite profile: per-layer output shapes, parameters and MACs (torchprofile and true
// conventions) of a registry model, of a spec's G/D, or of a run's deploy (or named) network.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "apps/cli.h"
#include "gan/models/registry.h"
#include "gan/train/spec.h"
#include "nn/profile.h"

namespace ganlite::cli {
namespace {

void print_profile_help() {
  std::string names;
  for (auto& n : gan::model_names()) names += (names.empty() ? "" : ", ") + n;
  std::printf(
      "usage: ganlite profile (SPEC.json [--net G|D] | RUN_DIR|CHECKPOINT [--net NAME] |\n"
      "                        --model NAME) [--set key=value]... [--size H[xW]] [--batch N]\n"
      "                       [--json]\n\n"
      "  SPEC.json        profile the spec's model.G (model.D with --net D) at the spec's input\n"
      "                   size (crop_size for image folders, image_size for Fashion-MNIST)\n"
      "  RUN_DIR          profile a run's deploy network (G unless its technique names\n"
      "                   another; --net picks any network the run describes)\n"
      "  --model NAME     registry name: %s\n"
      "  --set key=value  a model option, e.g. --set ngf=16 --set norm=batch; with SPEC.json a\n"
      "                   dotted path sets a spec field as train --set does\n"
      "                   (--set model.G.options.ngf=16, --set data.image_size=64)\n"
      "  --size H[xW]     input size (default 256, or the spec's)\n"
      "  --batch N        batch size (default 1, as papers report)\n"
      "  --weights FILE   a state_dict (e.g. PyTorch's) the network must load strictly;\n"
      "                   --prefix P takes the tensors named P...\n"
      "  --json           print {params, macs_torchprofile, macs_true, layers} as JSON\n",
      names.c_str());
}

int cmd_profile(const std::vector<std::string>& args) {
  ModelArgs m;
  int64_t batch = 1;
  bool json = false;
  ArgReader r(args);
  while (!r.done()) {
    const std::string a = r.next();
    if (a == "--help" || a == "-h") {
      print_profile_help();
      return 0;
    } else if (a == "--batch") {
      batch = parse_positive("--batch", r.value(a));
    } else if (a == "--json") {
      json = true;
    } else if (!m.take(a, r)) {
      throw UsageError("profile: unknown option " + a);
    }
  }
  m.resolve("profile");
  const std::string& model = m.model;
  const gan::Options& options = m.options;
  const int64_t h = m.h, w = m.w;
  nn::ModulePtr net = m.build();
  const Shape input = gan::profile_input(model, options, batch, h, w);
  nn::Profile p = nn::profile(*net, input);
  if (json) {
    nlohmann::json j;
    j["model"] = model;
    j["options"] = options;
    j["input"] = input;
    j["params"] = p.params;
    j["macs_torchprofile"] = p.macs_torchprofile;
    j["macs_true"] = p.macs_true;
    j["layers"] = nlohmann::json::array();
    for (const auto& l : p.layers)
      j["layers"].push_back({{"name", l.name},
                             {"type", l.type},
                             {"output", l.output},
                             {"params", l.params},
                             {"macs_torchprofile", l.macs_torchprofile},
                             {"macs_true", l.macs_true}});
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
  }
  std::printf("%s, input %s\n", model.c_str(), shape_str(input).c_str());
  std::printf("%-32s %-16s %-20s %10s %14s %14s\n", "layer", "type", "output", "params",
              "MACs(torchprof)", "MACs(true)");
  for (const auto& l : p.layers)
    std::printf("%-32s %-16s %-20s %10lld %14s %14s\n", l.name.c_str(), l.type.c_str(),
                shape_str(l.output).c_str(), (long long)l.params,
                human(l.macs_torchprofile).c_str(), human(l.macs_true).c_str());
  std::printf("%-32s %-16s %-20s %10lld %14s %14s\n", "total", "", "", (long long)p.params,
              human(p.macs_torchprofile).c_str(), human(p.macs_true).c_str());
  std::printf("params %s, MACs %s (torchprofile) / %s (true)\n", human(p.params).c_str(),
              human(p.macs_torchprofile).c_str(), human(p.macs_true).c_str());
  return 0;
}

const RegisterCommand reg{
    {"profile",
     "profile (SPEC.json | RUN_DIR [--net NAME] | --model NAME) [--set k=v]...\n"
     "        [--size H[xW]] [--batch N] [--json]\n"
     "        per-layer output shape, parameters and MACs",
     cmd_profile}};

}  // namespace
}  // namespace ganlite::cli
