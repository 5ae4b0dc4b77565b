// ganlite train: run a spec (gan/train/trainer.h), or resume a run from its latest checkpoint.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "apps/cli.h"
#include "gan/train/spec.h"
#include "gan/train/trainer.h"
#include "kernels/cpu/gemm.h"

namespace ganlite::cli {
namespace {

void print_train_help() {
  std::printf(
      "usage: ganlite train SPEC.json [--set a.b=value]... [--out DIR] [--device cpu|cuda]\n"
      "       ganlite train [SPEC.json] --resume RUN_DIR|CHECKPOINT [--from NAME]\n\n"
      "  SPEC.json         the run spec (docs/spec.md); the run directory is out_dir/name\n"
      "  --set a.b=value   override a spec field (validated like the file)\n"
      "  --out DIR         parent of the run directory (spec logging.out_dir)\n"
      "  --device D        cpu or cuda (spec device)\n"
      "  --resume RUN_DIR  continue RUN_DIR from checkpoints/latest.safetensors, bit-identically;\n"
      "                    without SPEC.json the run's spec.resolved.json is used; a checkpoint\n"
      "                    file in RUN_DIR/checkpoints/ resumes from that checkpoint\n"
      "  --from NAME       with --resume RUN_DIR: resume from checkpoints/NAME.safetensors (e.g.\n"
      "                    step_000030, when latest is damaged) or a checkpoint path\n"
      "  --allow-thread-change  resume a CPU run on another thread count than it was trained\n"
      "                    on (its bits then differ from an uninterrupted run's; refused "
      "otherwise)\n"
      "  --stop-after N    stop once N steps are done, with a checkpoint (as Ctrl-C does)\n"
      "  --time-limit S    stop once S seconds of training have passed, with a checkpoint\n"
      "  --threads N       CPU threads (default: $OMP_NUM_THREADS when set, else all cores)\n"
      "  --quiet           no progress output\n\n"
      "Writes spec.resolved.json, metrics.jsonl, samples/step_XXXXXX.png and\n"
      "checkpoints/{latest,step_XXXXXX}.safetensors. Ctrl-C finishes the step, saves a checkpoint\n"
      "and exits with code 130 (SIGTERM: 143).\n");
}

int cmd_train(const std::vector<std::string>& args) {
  std::string spec_path, device;
  std::vector<std::string> sets;
  gan::TrainOptions opt;
  int64_t threads = 0;
  ArgReader r(args);
  while (!r.done()) {
    const std::string a = r.next();
    if (a == "--help" || a == "-h") {
      print_train_help();
      return 0;
    } else if (a == "--set") {
      sets.push_back(r.value(a));
    } else if (a == "--out") {
      opt.out_dir = r.value(a);
    } else if (a == "--device") {
      device = r.value(a);
    } else if (a == "--resume") {
      opt.resume_dir = r.value(a);
    } else if (a == "--from") {
      opt.resume_from = r.value(a);
    } else if (a == "--allow-thread-change") {
      opt.allow_thread_change = true;
    } else if (a == "--stop-after") {
      opt.stop_after = parse_nonnegative(a, r.value(a));
    } else if (a == "--time-limit") {
      opt.time_limit_s = parse_number(a, r.value(a));
      if (!(opt.time_limit_s > 0)) throw UsageError("--time-limit expects seconds > 0");
    } else if (a == "--threads") {
      threads = parse_positive(a, r.value(a));
    } else if (a == "--quiet") {
      opt.quiet = true;
    } else if (!a.empty() && a[0] != '-' && spec_path.empty()) {
      spec_path = a;
    } else {
      throw UsageError("train: unexpected argument " + a + " (see ganlite train --help)");
    }
  }
  if (!opt.resume_from.empty() && opt.resume_dir.empty())
    throw UsageError("train: --from needs --resume RUN_DIR");
  if (spec_path.empty()) {
    if (opt.resume_dir.empty()) throw UsageError("train: SPEC.json is required");
    const gan::ResumePoint at = gan::resume_point(opt.resume_dir, opt.resume_from);
    spec_path = (std::filesystem::path(at.run_dir) / "spec.resolved.json").string();
  }
  nlohmann::json spec = gan::read_spec_file(spec_path);
  std::vector<std::string> notes;
  gan::apply_spec_overrides(spec, sets, &notes);
  for (const auto& n : notes) std::fprintf(stderr, "ganlite: %s\n", n.c_str());
  if (!device.empty()) spec["device"] = device;
  const nlohmann::json resolved = gan::resolve_spec(spec);
  // OpenMP already took OMP_NUM_THREADS as its default; without either, all cores.
  if (threads > 0)
    cpu::set_num_threads(static_cast<int>(threads));
  else if (!std::getenv("OMP_NUM_THREADS"))
    cpu::set_num_threads(static_cast<int>(std::thread::hardware_concurrency()));
  const gan::TrainResult res = gan::train(resolved, std::move(opt));
  return res.signal ? 128 + res.signal : 0;
}

const RegisterCommand reg{{"train",
                           "train SPEC.json [--set a.b=value]... [--resume RUN_DIR [--from NAME]] "
                           "[--out DIR]\n"
                           "        train from a spec; resume a run bit-identically",
                           cmd_train}};

}  // namespace
}  // namespace ganlite::cli
