// ganlite eval: quality metrics of a trained checkpoint (gan/eval/evaluate.h, docs/metrics.md).
#include <cstdio>
#include <filesystem>

#include "apps/cli.h"
#include "engine/files.h"
#include "gan/eval/evaluate.h"

namespace ganlite::cli {
namespace {

namespace fs = std::filesystem;

void print_eval_help() {
  std::printf(
      "usage: ganlite eval RUN_DIR|CHECKPOINT [--num N] [--seed S] [--net NAME] [--width W]\n"
      "                    [--weights PATH] [--json]\n"
      "       ganlite eval --fake DIR [--real DIR] [--num N] [--seed S] [--json]\n\n"
      "  metrics by task: generation FD-FMNIST, KID-FMNIST, SWD, class accuracy (conditional),\n"
      "  the real-vs-real FD floor; unpaired FD-FMNIST and SWD per direction; paired L1, PSNR,\n"
      "  SSIM, FD-FMNIST; classifier test accuracy. A RUN_DIR also gets them as eval.json\n"
      "  (eval_w<W>.json with --width).\n"
      "  --num N        samples / test images (default 5000)\n"
      "  --seed S       latents, classes, KID subsets, SWD patches (default 0)\n"
      "  --net NAME     the network evaluated (default: the run's deploy network, G unless its\n"
      "                 technique names another; eval_<NAME>.json)\n"
      "  --width W      a slimmable generator at width multiplier W\n"
      "  --weights PATH the FD-FMNIST classifier (default: assets/fmnist_classifier.safetensors)\n"
      "  --json         print the metrics as JSON\n"
      "  --fake DIR     any folder of images (another framework's samples): FD-FMNIST and\n"
      "                 KID-FMNIST for grayscale images, SWD when all have one size, L1, PSNR\n"
      "                 and SSIM over files of the same name in --real DIR (default: the\n"
      "                 Fashion-MNIST test split)\n");
}

int cmd_eval(const std::vector<std::string>& args) {
  std::string path, fake, real;
  gan::EvalOptions o;
  bool json = false;
  ArgReader r(args);
  while (!r.done()) {
    const std::string a = r.next();
    if (a == "--help" || a == "-h") {
      print_eval_help();
      return 0;
    } else if (take_sample_flag(a, r, o.num, o.seed, o.weights)) {
      continue;
    } else if (a == "--net") {
      o.net = r.value(a);
    } else if (a == "--width") {
      o.width = parse_number(a, r.value(a));
      if (!(o.width > 0 && o.width <= 1)) throw UsageError("--width expects a number in (0, 1]");
    } else if (a == "--json") {
      json = true;
    } else if (a == "--fake") {
      fake = r.value(a);
    } else if (a == "--real") {
      real = r.value(a);
    } else if (!a.empty() && a[0] != '-' && path.empty()) {
      path = a;
    } else {
      throw UsageError("eval: unexpected argument " + a + " (see ganlite eval --help)");
    }
  }
  if (!fake.empty() && !path.empty())
    throw UsageError("eval: give a RUN_DIR/CHECKPOINT or --fake DIR, not both");
  if (fake.empty() && !real.empty()) throw UsageError("eval: --real goes with --fake DIR");
  if (fake.empty() && path.empty())
    throw UsageError("eval: RUN_DIR, CHECKPOINT or --fake DIR is required");
  const nlohmann::ordered_json m = fake.empty() ? gan::evaluate(gan::load_run_checkpoint(path), o)
                                                : gan::evaluate_folders(fake, real, o);
  if (!path.empty() && fs::is_directory(path)) {
    std::string name = "eval";
    if (!o.net.empty()) name += "_" + o.net;
    if (o.width > 0) {
      char w[32];
      std::snprintf(w, sizeof w, "_w%g", o.width);
      name += w;
    }
    write_file_atomically((fs::path(path) / (name + ".json")).string(), m.dump(2) + "\n", "eval");
  }
  if (json) {
    std::printf("%s\n", m.dump(2).c_str());
    return 0;
  }
  for (auto it = m.begin(); it != m.end(); ++it)
    if (it->is_number_float())
      std::printf("%-18s %.6g\n", it.key().c_str(), it->get<double>());
    else
      std::printf("%-18s %s\n", it.key().c_str(),
                  it->is_string() ? it->get<std::string>().c_str() : it->dump().c_str());
  return 0;
}

const RegisterCommand reg{{"eval",
                           "eval RUN_DIR|CHECKPOINT [--num N] [--net NAME] [--width W] [--json]\n"
                           "        quality metrics of a checkpoint (FD-FMNIST, KID-FMNIST, ...)",
                           cmd_eval}};

}  // namespace
}  // namespace ganlite::cli
