// ganlite export: what to ship from a run. By default the deploy network (--net picks others,
// --all takes every stored one) without the training state (optimizer moments, pools), each
// built and strictly loaded first, in a file that load_network, infer and eval read as a
// checkpoint. A run's technique may export something of its own (gan/train/technique.h): SlimGAN
// writes one width as a dense network with --width W.
#include <cstdio>
#include <sstream>

#include "apps/cli.h"
#include "engine/safetensors.h"
#include "gan/train/checkpoint.h"
#include "gan/train/spec.h"
#include "gan/train/technique.h"

namespace ganlite::cli {
namespace {

void print_export_help() {
  std::printf(
      "usage: ganlite export CHECKPOINT|RUN_DIR --output PATH [--net NAME[,NAME...] | --all]\n"
      "                      [--width W] [--option key=value]...\n\n"
      "  Without technique options: the run's deploy network (G unless its technique names\n"
      "  another; --net NAME,... picks networks, --all every stored one) and its metadata,\n"
      "  without optimizer state and image pools: the file to ship or commit. Each network is\n"
      "  built and strictly loaded before it is written.\n"
      "  --width W            a slimgan run: width W as a dense sngan_generator of\n"
      "                       ch = round(ch * W) plus that width's sngan_discriminator, whose\n"
      "                       outputs equal the slimmable G's at W exactly\n"
      "  --option key=value   an option for the run's technique's export (value parsed as JSON\n"
      "                       when it parses)\n");
}

int cmd_export(const std::vector<std::string>& args) {
  std::string ckpt_path;
  gan::ExportRequest req;
  bool all = false;
  ArgReader r(args);
  while (!r.done()) {
    const std::string a = r.next();
    if (a == "--help" || a == "-h") {
      print_export_help();
      return 0;
    } else if (a == "--width") {
      const double width = parse_number(a, r.value(a));
      if (!(width > 0 && width <= 1)) throw UsageError("--width expects a number in (0, 1]");
      req.options["width"] = width;
    } else if (a == "--option") {
      nlohmann::json o = nlohmann::json::object();
      gan::apply_spec_override(o, r.value(a));
      req.options.update(o);
    } else if (a == "--net") {
      std::stringstream ss(r.value(a));
      for (std::string n; std::getline(ss, n, ',');)
        if (!n.empty()) req.nets.push_back(n);
    } else if (a == "--all") {
      all = true;
    } else if (a == "--output") {
      req.output = r.value(a);
    } else if (!a.empty() && a[0] != '-' && ckpt_path.empty()) {
      ckpt_path = a;
    } else {
      throw UsageError("export: unexpected argument " + a + " (see ganlite export --help)");
    }
  }
  if (ckpt_path.empty()) throw UsageError("export: CHECKPOINT or RUN_DIR is required");
  if (req.output.empty()) throw UsageError("export: --output PATH is required");
  if (all && !req.nets.empty()) throw UsageError("export: --net and --all exclude each other");

  const gan::RunCheckpoint c = gan::load_run_checkpoint(ckpt_path);
  const auto& tn = c.spec["technique"]["name"];
  const gan::TechniqueInfo* info =
      tn.is_string() ? gan::find_technique(tn.get<std::string>()) : nullptr;
  if (info && info->export_run) {
    const std::string what = info->export_run(c, req);
    if (!what.empty()) {
      std::printf("%s: %s -> %s\n", ckpt_path.c_str(), what.c_str(), req.output.c_str());
      return 0;
    }
  }
  if (!req.options.empty())
    throw UsageError("export: " + req.options.dump() + ": the run's technique (" +
                     (tn.is_string() ? tn.get<std::string>() : std::string("none")) +
                     ") takes no export options");
  if (all) req.nets = gan::stored_networks(c);
  if (req.nets.empty()) req.nets = {gan::deploy_network(c)};
  const Safetensors out = gan::export_networks(c, req.nets);
  save_safetensors(req.output, out.tensors, out.metadata);
  std::string names;
  for (const auto& n : req.nets) names += (names.empty() ? "" : ", ") + n;
  std::printf("%s of %s (step %lld): %zu tensors -> %s\n", names.c_str(), ckpt_path.c_str(),
              (long long)c.step, out.tensors.size(), req.output.c_str());
  return 0;
}

const RegisterCommand reg{{"export",
                           "export CHECKPOINT|RUN_DIR --output PATH [--net NAME | --all] "
                           "[--width W]\n"
                           "        the deploy network (or others) to ship; a technique's "
                           "export (one SlimGAN width)",
                           cmd_export}};

}  // namespace
}  // namespace ganlite::cli
