// ganlite plot: loss curves of a run (metrics.jsonl -> losses.png) through
// scripts/plot_metrics.py and Debian's python3-matplotlib.
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "apps/cli.h"
#include "engine/error.h"

namespace ganlite::cli {
namespace {

namespace fs = std::filesystem;

// Single-quoted for /bin/sh.
std::string sh_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

int cmd_plot(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::printf(
        "usage: ganlite plot RUN_DIR [--output PNG] [--smooth S]\n\n"
        "  loss curves of RUN_DIR/metrics.jsonl into RUN_DIR/losses.png (or PNG), one panel per\n"
        "  group (D loss, D logits, G loss, cycle/identity, distillation, ..., learning rate);\n"
        "  needs python3-matplotlib (apt-get install python3-matplotlib)\n"
        "  --smooth S   moving-average weight in [0, 1) over the raw curve (default 0.8; 0 = "
        "raw)\n");
    return args.empty() ? 2 : 0;
  }
  std::string run_dir, output;
  double smooth = 0.8;
  ArgReader r(args);
  while (!r.done()) {
    const std::string a = r.next();
    if (a == "--output")
      output = r.value(a);
    else if (a == "--smooth") {
      smooth = parse_number(a, r.value(a));
      if (!(smooth >= 0 && smooth < 1)) throw UsageError("--smooth expects a number in [0, 1)");
    } else if (!a.empty() && a[0] != '-' && run_dir.empty())
      run_dir = a;
    else
      throw UsageError("plot: unexpected argument " + a);
  }
  const fs::path metrics = fs::path(run_dir) / "metrics.jsonl";
  if (!fs::is_regular_file(metrics)) throw Error(metrics.string() + ": no such file");
  if (output.empty()) output = (fs::path(run_dir) / "losses.png").string();
  const std::string script = std::string(GANLITE_SOURCE_DIR) + "/scripts/plot_metrics.py";
  if (std::system("/usr/bin/python3 -c 'import matplotlib' 2>/dev/null") != 0)
    throw Error(
        "plot needs python3-matplotlib for /usr/bin/python3: apt-get install "
        "python3-matplotlib");
  const std::string cmd = "/usr/bin/python3 " + sh_quote(script) + " " +
                          sh_quote(metrics.string()) + " " + sh_quote(output) + " " +
                          sh_quote(fs::path(run_dir).filename().string()) + " " +
                          std::to_string(smooth);
  const int rc = std::system(cmd.c_str());
  if (rc != 0)
    throw Error("plot: " + script + " failed (exit " + std::to_string(WEXITSTATUS(rc)) + ")");
  std::printf("%s\n", output.c_str());
  return 0;
}

const RegisterCommand reg{{"plot",
                           "plot RUN_DIR [--output PNG] [--smooth S]\n"
                           "        loss curves of a run's metrics.jsonl as a PNG",
                           cmd_plot}};

}  // namespace
}  // namespace ganlite::cli
