// The ganlite command line. Subcommands so far: profile (per-layer shapes, params and MACs in the
// torchprofile and true conventions) and spec (check a run spec, print the schema). train, infer,
// eval and bench arrive with their issues.
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gan/registry.h"
#include "gan/spec.h"
#include "nn/profile.h"

using namespace ganlite;

namespace {

constexpr const char* kVersion = "0.1.0";

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void print_help() {
  std::printf(
      "usage: ganlite <command> [options]\n\n"
      "commands:\n"
      "  profile (SPEC.json [--net G|D] | --model NAME) [--set key=value]... [--size H[xW]]\n"
      "          [--batch N] [--json]\n"
      "          per-layer output shape, parameters and MACs (torchprofile and true "
      "conventions)\n"
      "  spec check SPEC.json [--set a.b=value]... [--write PATH]\n"
      "          validate a run spec and print it resolved (defaults filled in)\n"
      "  spec schema\n"
      "          the spec schema as a Markdown table (docs/spec.md)\n\n"
      "options:\n  --help, -h     this text (also: ganlite profile --help)\n"
      "  --version      print the version\n");
}

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

std::string human(double v) {
  char buf[32];
  if (v >= 1e9)
    std::snprintf(buf, sizeof buf, "%.3fG", v / 1e9);
  else if (v >= 1e6)
    std::snprintf(buf, sizeof buf, "%.3fM", v / 1e6);
  else if (v >= 1e3)
    std::snprintf(buf, sizeof buf, "%.3fK", v / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

int64_t parse_positive(const std::string& flag, const std::string& v) {
  size_t used = 0;
  int64_t n = 0;
  try {
    n = std::stoll(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != v.size() || n <= 0)
    throw UsageError(flag + " expects a positive integer, got '" + v + "'");
  return n;
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

void print_spec_help() {
  std::printf(
      "usage: ganlite spec check SPEC.json [--set a.b=value]... [--write PATH]\n"
      "       ganlite spec schema\n\n"
      "  check           validate SPEC.json and print the resolved spec; a bad spec exits 2\n"
      "  --set a.b=value override a field by dotted path (value parsed as JSON when it parses,\n"
      "                  else taken as a string), validated like the file\n"
      "  --write PATH    also write the resolved spec to PATH (e.g. spec.resolved.json)\n"
      "  schema          every field with its type, default and allowed values (Markdown)\n");
}

int cmd_spec(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    print_spec_help();
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "schema") {
    if (args.size() > 1) throw UsageError("spec schema: unexpected argument " + args[1]);
    std::printf("%s", gan::spec_schema_markdown().c_str());
    return 0;
  }
  if (args[0] != "check") throw UsageError("spec: unknown subcommand '" + args[0] + "'");
  std::string path, write;
  std::vector<std::string> sets;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) throw UsageError(a + " needs a value");
      return args[++i];
    };
    if (a == "--help" || a == "-h") {
      print_spec_help();
      return 0;
    } else if (a == "--set") {
      sets.push_back(value());
    } else if (a == "--write") {
      write = value();
    } else if (!a.empty() && a[0] != '-' && path.empty()) {
      path = a;
    } else {
      throw UsageError("spec check: unexpected argument " + a);
    }
  }
  if (path.empty()) throw UsageError("spec check: SPEC.json is required");
  nlohmann::json spec = gan::read_spec_file(path);
  for (const auto& s : sets) gan::apply_spec_override(spec, s);
  const nlohmann::json resolved = gan::resolve_spec(spec);
  if (!write.empty()) gan::write_resolved_spec(resolved, write);
  std::printf("%s\n", resolved.dump(2).c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.empty() || args[0] == "--help" || args[0] == "-h") {
      print_help();
      return args.empty() ? 2 : 0;
    }
    if (args[0] == "--version") {
      std::printf("ganlite %s\n", kVersion);
      return 0;
    }
    std::vector<std::string> rest(args.begin() + 1, args.end());
    if (args[0] == "profile") return cmd_profile(rest);
    if (args[0] == "spec") return cmd_spec(rest);
    throw UsageError("unknown command '" + args[0] + "' (see ganlite --help)");
  } catch (const gan::SpecError& e) {
    std::fprintf(stderr, "ganlite: spec error: %s\n", e.what());
    return 2;
  } catch (const UsageError& e) {
    std::fprintf(stderr, "ganlite: %s\n", e.what());
    return 2;
  } catch (const Error& e) {
    std::fprintf(stderr, "ganlite: %s\n", e.what());
    return 1;
  }
}
