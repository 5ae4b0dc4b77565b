// ganlite export: a run's networks without its training state (optimizer moments, pools), or one
// width of a SlimGAN run as a standalone dense checkpoint (SlimGAN's point: deploy the width you
// can afford). The file is a plain run's checkpoint (metadata "spec" with
// technique null, "step"; tensors "G.*", "D.*"), so ganlite infer and gan::load_network read it
// and make_model("sngan_generator", G.options) builds its G (compress/slimgan/slimgan.h).
#include <cstdio>

#include "apps/cli.h"
#include "compress/slimgan/slimgan.h"
#include "engine/safetensors.h"
#include "gan/train/trainer.h"

namespace ganlite::cli {
namespace {

void print_export_help() {
  std::printf(
      "usage: ganlite export CHECKPOINT|RUN_DIR --output PATH [--width W]\n\n"
      "  Without --width: the run's networks (G.*, D.*, and G2.*, D2.* for CycleGAN) and its\n"
      "  metadata, without optimizer state and image pools: the file to ship or commit.\n"
      "  Writes width W of a slimgan run (one of its widths, e.g. 0.5) as a dense\n"
      "  sngan_generator of ch = round(ch * W) plus that width's sngan_discriminator, in a\n"
      "  safetensors checkpoint whose outputs equal the slimmable G's at W exactly.\n"
      "  Metadata: spec (a plain run of the dense nets), step, width, G.model, G.options,\n"
      "  D.model, D.options, source_spec.\n");
}

int cmd_export(const std::vector<std::string>& args) {
  std::string ckpt_path, output;
  double width = 0;
  ArgReader r(args);
  while (!r.done()) {
    const std::string a = r.next();
    if (a == "--help" || a == "-h") {
      print_export_help();
      return 0;
    } else if (a == "--width") {
      width = parse_number(a, r.value(a));
      if (!(width > 0 && width <= 1)) throw UsageError("--width expects a number in (0, 1]");
    } else if (a == "--output") {
      output = r.value(a);
    } else if (!a.empty() && a[0] != '-' && ckpt_path.empty()) {
      ckpt_path = a;
    } else {
      throw UsageError("export: unexpected argument " + a + " (see ganlite export --help)");
    }
  }
  if (ckpt_path.empty()) throw UsageError("export: CHECKPOINT or RUN_DIR is required");
  if (output.empty()) throw UsageError("export: --output PATH is required");

  const gan::RunCheckpoint c = gan::load_run_checkpoint(ckpt_path);
  if (width == 0) {
    TensorMap nets;
    for (const auto& [k, t] : c.tensors)
      for (const char* p : {"G.", "D.", "G2.", "D2."})
        if (k.rfind(p, 0) == 0) nets[k] = t;
    Metadata md;
    for (const char* k : {"format", "spec", "step", "task", "technique"})
      if (c.metadata.count(k)) md[k] = c.metadata.at(k);
    save_safetensors(output, nets, md);
    std::printf("%zu network tensors of %s (step %lld) -> %s\n", nets.size(), ckpt_path.c_str(),
                (long long)c.step, output.c_str());
    return 0;
  }
  const Safetensors e = compress::export_slimgan_width(c.spec, c.step, c.tensors, width);
  save_safetensors(output, e.tensors, e.metadata);
  std::printf("width %s of %s (step %lld): %s %s -> %s\n", e.metadata.at("width").c_str(),
              ckpt_path.c_str(), (long long)c.step, e.metadata.at("G.model").c_str(),
              e.metadata.at("G.options").c_str(), output.c_str());
  return 0;
}

const RegisterCommand reg{{"export",
                           "export CHECKPOINT|RUN_DIR --output PATH [--width W]\n"
                           "        a run's networks only; one width of a slimgan run as a dense "
                           "net",
                           cmd_export}};

}  // namespace
}  // namespace ganlite::cli
