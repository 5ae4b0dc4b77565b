// ganlite report: the table of a generation run or checkpoint (gan/eval/report.h), printed and
// written to DIR/report.json with a sample grid, one row per report row (SlimGAN: per width).
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "apps/cli.h"
#include "engine/files.h"
#include "gan/eval/report.h"
#include "gan/train/checkpoint.h"

namespace ganlite::cli {
namespace {

namespace fs = std::filesystem;

// Training time of the run: time_s of the last metrics line (a resumed run counts from its
// resume), or -1 when there is none.
double train_seconds(const fs::path& run_dir) {
  std::ifstream in(run_dir / "metrics.jsonl");
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  const nlohmann::json j = nlohmann::json::parse(last, nullptr, false);
  return j.is_object() && j.contains("time_s") ? j["time_s"].get<double>() : -1.0;
}

int cmd_report(const std::vector<std::string>& args) {
  std::string run_dir, out_dir;
  gan::ReportOptions o;
  bool json = false;
  ArgReader r(args);
  while (!r.done()) {
    const std::string a = r.next();
    if (a == "--help" || a == "-h") {
      std::printf(
          "usage: ganlite report RUN_DIR|CHECKPOINT [--out DIR] [--num N] [--seed S]\n"
          "                      [--weights PATH] [--json]\n\n"
          "  per row of the run's deploy network (one per width of a SlimGAN run; one row\n"
          "  otherwise): params, MACs (torchprofile and true), CPU latency per image, FD-FMNIST,\n"
          "  KID-FMNIST, class accuracy, L1 to the next row; writes DIR/report.json and\n"
          "  DIR/samples/report.png (one grid row per report row)\n"
          "  --out DIR  where to write them: the run directory by default; required for a\n"
          "             checkpoint file (a run's, or one `ganlite export` wrote)\n"
          "  --num N    samples per row for the metrics (default 2000)\n");
      return 0;
    } else if (take_sample_flag(a, r, o.num, o.seed, o.weights)) {
      continue;
    } else if (a == "--json") {
      json = true;
    } else if (a == "--out") {
      out_dir = r.value(a);
    } else if (!a.empty() && a[0] != '-' && run_dir.empty()) {
      run_dir = a;
    } else {
      throw UsageError("report: unexpected argument " + a + " (see ganlite report --help)");
    }
  }
  if (run_dir.empty()) throw UsageError("report: RUN_DIR or CHECKPOINT is required");
  const bool is_run = fs::is_directory(run_dir);
  if (!is_run && out_dir.empty())
    throw UsageError("report: " + run_dir +
                     " is not a run directory: give --out DIR for the report of a checkpoint file");
  if (out_dir.empty()) out_dir = run_dir;
  const gan::RunCheckpoint c = gan::load_run_checkpoint(run_dir);
  make_directories((fs::path(out_dir) / "samples").string(), "report");
  o.grid_path = (fs::path(out_dir) / "samples" / "report.png").string();
  const std::string name =
      is_run ? fs::path(run_dir).filename().string() : fs::path(run_dir).stem().string();
  nlohmann::ordered_json rep = gan::generation_report(c, name, o);
  rep["train_seconds"] = is_run ? train_seconds(run_dir) : -1.0;
  const std::string written = (fs::path(out_dir) / "report.json").string();
  write_file_atomically(written, rep.dump(2) + "\n", "report");
  if (json) {
    std::printf("%s\n", rep.dump(2).c_str());
    return 0;
  }
  const double secs = rep["train_seconds"].get<double>();
  const std::string trained =
      secs >= 0 ? ", trained " + std::to_string(static_cast<long long>(secs + 0.5)) + " s" : "";
  std::printf("%s (step %lld%s)\n%sreport: %s\n", rep["run"].get<std::string>().c_str(),
              (long long)c.step, trained.c_str(), gan::report_table(rep).c_str(), written.c_str());
  return 0;
}

const RegisterCommand reg{{"report",
                           "report RUN_DIR|CHECKPOINT [--out DIR] [--num N] [--json]\n"
                           "        params, MACs, latency and quality of a generation run, per "
                           "width of a SlimGAN run",
                           cmd_report}};

}  // namespace
}  // namespace ganlite::cli
