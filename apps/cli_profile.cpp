// ganlite profile: per-layer output shapes, parameters and MACs (torchprofile and true
// conventions) of a registry model or of a spec's G/D.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "apps/cli.h"
#include "gan/registry.h"
#include "gan/spec.h"
#include "nn/profile.h"

namespace ganlite::cli {
namespace {

void print_profile_help() {
  std::string names;
  for (auto& n : gan::model_names()) names += (names.empty() ? "" : ", ") + n;
  std::printf(
      "usage: ganlite profile (SPEC.json [--net G|D] | --model NAME) [--set key=value]...\n"
      "                       [--size H[xW]] [--batch N] [--json]\n\n"
      "  SPEC.json        profile the spec's model.G (model.D with --net D) at the spec's input\n"
      "                   size (crop_size for image folders, image_size for Fashion-MNIST)\n"
      "  --model NAME     registry name: %s\n"
      "  --set key=value  a model option, e.g. --set ngf=16 --set norm=batch\n"
      "  --size H[xW]     input size (default 256, or the spec's)\n"
      "  --batch N        batch size (default 1, as papers report)\n"
      "  --json           print {params, macs_torchprofile, macs_true, layers} as JSON\n",
      names.c_str());
}

int cmd_profile(const std::vector<std::string>& args) {
  std::string model, spec_path, net_key = "G";
  gan::Options options;
  int64_t h = 256, w = 256, batch = 1;
  bool json = false, size_given = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) throw UsageError(a + " needs a value");
      return args[++i];
    };
    if (a == "--help" || a == "-h") {
      print_profile_help();
      return 0;
    } else if (a == "--model") {
      model = value();
    } else if (a == "--set") {
      std::string kv = value();
      size_t eq = kv.find('=');
      if (eq == std::string::npos || eq == 0)
        throw UsageError("--set expects key=value, got '" + kv + "'");
      options[kv.substr(0, eq)] = kv.substr(eq + 1);
    } else if (a == "--size") {
      std::string v = value();
      size_t x = v.find('x');
      h = parse_positive("--size", v.substr(0, x));
      w = x == std::string::npos ? h : parse_positive("--size", v.substr(x + 1));
      size_given = true;
    } else if (a == "--batch") {
      batch = parse_positive("--batch", value());
    } else if (a == "--json") {
      json = true;
    } else if (a == "--net") {
      net_key = value();
      if (net_key != "G" && net_key != "D")
        throw UsageError("--net expects G or D, got " + net_key);
    } else if (!a.empty() && a[0] != '-' && spec_path.empty()) {
      spec_path = a;
    } else {
      throw UsageError("profile: unknown option " + a);
    }
  }
  if (!spec_path.empty()) {
    if (!model.empty()) throw UsageError("profile: give SPEC.json or --model, not both");
    // The spec's network with its options; --set entries override them.
    nlohmann::json resolved = gan::resolve_spec(gan::read_spec_file(spec_path));
    model = resolved["model"][net_key]["name"].get<std::string>();
    gan::Options from_spec = gan::spec_model_options(resolved, net_key);
    for (auto& [k, v] : options) from_spec[k] = v;
    options = from_spec;
    // Folder datasets feed crops to the network; Fashion-MNIST tasks feed image_size.
    const nlohmann::json& data = resolved["data"];
    bool folder = data["dataset"].get<std::string>().find("folder") != std::string::npos;
    const nlohmann::json& size = data[folder ? "crop_size" : "image_size"];
    if (!size_given && size.is_number_integer()) h = w = size.get<int64_t>();
  }
  if (model.empty())
    throw UsageError("profile: SPEC.json or --model NAME is required (see ganlite profile --help)");
  nn::ModulePtr net = gan::make_model(model, options);
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

const RegisterCommand reg{{"profile",
                           "profile (SPEC.json [--net G|D] | --model NAME) [--set key=value]...\n"
                           "        [--size H[xW]] [--batch N] [--json]\n"
                           "        per-layer output shape, parameters and MACs",
                           cmd_profile}};

}  // namespace
}  // namespace ganlite::cli
