// ganlite bench: timing benchmarks, one subcommand each. `bench osgan SPEC.json` times the
// two-stage against the one-stage (OSGAN) training step of a spec's networks (compress/osgan/
// bench.h). A later benchmark adds a row to subcommands() and a function beside cmd_osgan.
#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "apps/cli.h"
#include "compress/osgan/bench.h"
#include "gan/spec.h"

namespace ganlite::cli {
namespace {

struct Subcommand {
  std::string name;
  std::string synopsis;  // the arguments after `ganlite bench NAME`, then what it measures
  int (*run)(const std::vector<std::string>& args);
};

const std::vector<Subcommand>& subcommands();

void print_bench_help() {
  std::printf("usage: ganlite bench SUBCOMMAND [options]   (ganlite bench SUBCOMMAND --help)\n\n");
  for (const auto& s : subcommands()) std::printf("  %s %s\n", s.name.c_str(), s.synopsis.c_str());
}

// Reads SPEC.json with --set overrides, resolved; the other flags are left to `flag`, which
// returns false for one it does not know.
template <class Flag>
nlohmann::json read_spec_args(const std::vector<std::string>& args, const char* who, Flag flag) {
  std::string path;
  std::vector<std::string> sets;
  ArgReader r(args);
  while (!r.done()) {
    const std::string a = r.next();
    if (a == "--set")
      sets.push_back(r.value(a));
    else if (flag(a, r))
      continue;
    else if (!a.empty() && a[0] != '-' && path.empty())
      path = a;
    else
      throw UsageError(std::string(who) + ": unknown option " + a);
  }
  if (path.empty()) throw UsageError(std::string(who) + ": SPEC.json is required");
  nlohmann::json spec = gan::read_spec_file(path);
  for (const auto& s : sets) gan::apply_spec_override(spec, s);
  return gan::resolve_spec(spec);
}

int cmd_osgan(const std::vector<std::string>& args) {
  compress::OsganBenchOptions o;
  bool json = false, device_given = false;
  for (const auto& a : args)
    if (a == "--help" || a == "-h") {
      std::printf(
          "usage: ganlite bench osgan SPEC.json [--device cpu|cuda] [--steps N] [--warmup N]\n"
          "                           [--set key=value]... [--json]\n\n"
          "Times the training step of two-stage training (D step, then G step against the\n"
          "updated D) and of one-stage OSGAN training (one forward of G and D, one backward) on\n"
          "the spec's G and D, optimizers, batch size and Fashion-MNIST batches; the two are\n"
          "alternated in one run after a warm-up, and the medians are reported.\n\n"
          "  --device D   cpu or cuda (default: the spec's device)\n"
          "  --steps N    timed steps of each kind (default 20)\n"
          "  --warmup N   untimed steps of each kind first (default 3)\n"
          "  --set k=v    a spec override, e.g. --set data.batch_size=128\n"
          "  --json       print {\"two_stage_ms\", \"one_stage_ms\", \"speedup\"} only\n");
      return 0;
    }
  nlohmann::json spec =
      read_spec_args(args, "bench osgan", [&](const std::string& a, ArgReader& r) {
        if (a == "--device") {
          o.device = r.value(a);
          if (o.device != "cpu" && o.device != "cuda")
            throw UsageError("--device expects cpu or cuda, got '" + o.device + "'");
          device_given = true;
        } else if (a == "--steps") {
          o.steps = parse_positive(a, r.value(a));
        } else if (a == "--warmup") {
          o.warmup = parse_nonnegative(a, r.value(a));
        } else if (a == "--json") {
          json = true;
        } else {
          return false;
        }
        return true;
      });
  if (!device_given) o.device = spec["device"].get<std::string>();
  if (o.device == "cuda") {
    std::fprintf(stderr,
                 "ganlite: bench osgan: device cuda%s: the CUDA backend is not there yet (tensors "
                 "live on the CPU only); run with --device cpu\n",
                 device_given ? "" : " (from the spec)");
    return 1;
  }
  const compress::OsganBenchResult r = compress::bench_osgan(spec, o);
  if (json) {
    std::printf("{\"two_stage_ms\": %.3f, \"one_stage_ms\": %.3f, \"speedup\": %.3f}\n",
                r.two_stage_ms, r.one_stage_ms, r.speedup);
    return 0;
  }
  auto range = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    char buf[64];
    std::snprintf(buf, sizeof buf, "min %.2f, max %.2f", v.front(), v.back());
    return std::string(buf);
  };
  std::printf("spec %s: G %s, D %s, loss %s, batch %lld, device %s, %d threads\n",
              spec["name"].get<std::string>().c_str(), r.G.c_str(), r.D.c_str(),
              gan::gan_mode_name(r.loss), (long long)r.batch_size, o.device.c_str(), r.threads);
  std::printf("osgan mode %s, D forward %s; %lld warm-up + %lld timed steps of each, alternated\n",
              compress::osgan_mode_name(r.mode),
              r.concat ? "on cat(real, fake)" : "on real and fake apart (batch statistics)",
              (long long)o.warmup, (long long)o.steps);
  std::printf("two-stage step  median %8.2f ms  (%s)\n", r.two_stage_ms,
              range(r.two_stage_all).c_str());
  std::printf("one-stage step  median %8.2f ms  (%s)\n", r.one_stage_ms,
              range(r.one_stage_all).c_str());
  std::printf("speed-up %.3fx (median of the per-round ratios %.3fx)\n", r.speedup,
              r.paired_speedup);
  return 0;
}

const std::vector<Subcommand>& subcommands() {
  static const std::vector<Subcommand> table = {
      {"osgan",
       "SPEC.json [--device cpu|cuda] [--steps N] [--warmup N] [--json]\n"
       "        two-stage vs one-stage (OSGAN) training step",
       cmd_osgan},
  };
  return table;
}

int cmd_bench(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    print_bench_help();
    return args.empty() ? 2 : 0;
  }
  for (const auto& s : subcommands())
    if (s.name == args[0]) return s.run({args.begin() + 1, args.end()});
  std::string names;
  for (const auto& s : subcommands()) names += (names.empty() ? "" : ", ") + s.name;
  throw UsageError("bench: unknown subcommand '" + args[0] + "' (one of: " + names + ")");
}

const RegisterCommand reg{{"bench",
                           "bench osgan SPEC.json [--device cpu|cuda] [--steps N] [--json]\n"
                           "        timing benchmarks (ganlite bench --help lists them)",
                           cmd_bench}};

}  // namespace
}  // namespace ganlite::cli
