// ganlite bench: timing benchmarks, one subcommand each. `bench model` times a network's
// inference per batch size and a training iteration (gan/eval/bench.h); `bench osgan SPEC.json`
// times the two-stage against the one-stage (OSGAN) training step of a spec's networks
// (compress/osgan/bench.h). A new benchmark adds a row to subcommands() and a function here.
#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "apps/cli.h"
#include "compress/osgan/bench.h"
#include "engine/backend.h"
#include "gan/eval/bench.h"
#include "gan/train/spec.h"

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
  std::vector<std::string> notes;
  gan::apply_spec_overrides(spec, sets, &notes);
  for (const auto& n : notes) std::fprintf(stderr, "ganlite: %s\n", n.c_str());
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
    std::string why;
    if (!cuda_available(&why)) {
      std::fprintf(stderr, "ganlite: bench osgan: device cuda%s: %s\n",
                   device_given ? "" : " (from the spec)", why.c_str());
      return 1;
    }
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

std::vector<int64_t> parse_batches(const std::string& flag, const std::string& v) {
  std::vector<int64_t> out;
  size_t start = 0;
  while (start <= v.size()) {
    const size_t comma = v.find(',', start);
    out.push_back(parse_positive(flag, v.substr(start, comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

int cmd_model(const std::vector<std::string>& args) {
  ModelArgs m;
  gan::BenchOptions o;
  bool json = false;
  ArgReader r(args);
  while (!r.done()) {
    const std::string a = r.next();
    if (a == "--help" || a == "-h") {
      std::printf(
          "usage: ganlite bench model (SPEC.json [--net G|D] | RUN_DIR [--net NAME] | --model "
          "NAME)\n"
          "                           [--set key=value]...\n"
          "                           [--size H[xW]] [--batch 1,16] [--runs N] [--warmup N]\n"
          "                           [--train-with D_NAME] [--train-batch N] [--device cpu|cuda]\n"
          "                           [--save DIR] [--json]\n\n"
          "Inference latency of the network per batch size (eval mode, no autograd) and, with a\n"
          "discriminator, one training iteration: a D step on a real batch and the detached\n"
          "fake, then a G step against the updated D (LSGAN losses, Adam 2e-4, 0.5, 0.999).\n"
          "Warm-up runs, a device synchronisation after each run, median and p90 of the timed\n"
          "runs (the gan-compression protocol). GFLOP/s counts 2 x the true MACs per image;\n"
          "the ceiling is a 2048^3 SGEMM through matmul on the same device, in the same run.\n\n"
          "  --batch LIST       inference batch sizes (default 1,16)\n"
          "  --runs N           timed runs (default 10); --warmup N untimed first (default 2)\n"
          "  --train-with NAME  registry name of D for the training iteration (a SPEC.json's\n"
          "                     model.D is used when this is not given)\n"
          "  --train-batch N    batch of the training iteration (default 1)\n"
          "  --set-d key=value  an option of the --train-with D (repeatable)\n"
          "  --r1               also time D's step alone (on a fixed fake batch) without and\n"
          "                     with the R1 penalty, taking turns, and their ratio\n"
          "  --weights FILE     a state_dict (e.g. PyTorch's) loaded strictly into the timed\n"
          "                     network (--prefix P: the tensors named P...)\n"
          "  --save DIR         write DIR/weights.safetensors (D's under D.) and "
          "DIR/io.safetensors\n"
          "                     (a batch-1 input and its output) for the PyTorch peer\n"
          "  --json             print the result as JSON\n");
      return 0;
    } else if (a == "--batch") {
      o.batches = parse_batches(a, r.value(a));
    } else if (a == "--runs") {
      o.runs = static_cast<int>(parse_positive(a, r.value(a)));
    } else if (a == "--warmup") {
      o.warmup = static_cast<int>(parse_nonnegative(a, r.value(a)));
    } else if (a == "--train-with") {
      o.d_model = r.value(a);
    } else if (a == "--train-batch") {
      o.train_batch = parse_positive(a, r.value(a));
    } else if (a == "--r1") {
      o.r1 = true;
    } else if (a == "--set-d") {
      const std::string kv = r.value(a);
      const size_t eq = kv.find('=');
      if (eq == std::string::npos || eq == 0)
        throw UsageError("--set-d expects key=value (an option of the --train-with D), got '" + kv +
                         "'");
      o.d_options[kv.substr(0, eq)] = kv.substr(eq + 1);
    } else if (a == "--device") {
      const std::string d = r.value(a);
      if (d != "cpu" && d != "cuda")
        throw UsageError("--device expects cpu or cuda, got '" + d + "'");
      o.device = d == "cuda" ? Device::cuda : Device::cpu;
    } else if (a == "--save") {
      o.save_dir = r.value(a);
    } else if (a == "--json") {
      json = true;
    } else if (!m.take(a, r)) {
      throw UsageError("bench model: unknown option " + a);
    }
  }
  m.resolve("bench model");
  if (o.r1 && o.d_model.empty() && m.d_model.empty())
    throw UsageError("bench model: --r1 times D's step: give a D (--train-with NAME, or a spec)");
  if (o.device == Device::cuda) {
    std::string why;
    if (!cuda_available(&why)) {
      std::fprintf(stderr, "ganlite: bench model: --device cuda: %s\n", why.c_str());
      return 1;
    }
  }
  o.model = m.model;
  o.options = m.options;
  o.weights = m.read_weights();
  o.height = m.h;
  o.width = m.w;
  if (o.d_model.empty() && m.net == "G") {
    o.d_model = m.d_model;
    o.d_options = m.d_options;
    o.paired = m.paired;
  }
  const gan::BenchResult b = gan::bench_model(o);
  const char* device = o.device == Device::cuda ? "cuda" : "cpu";
  if (json) {
    nlohmann::json j;
    j["model"] = o.model;
    j["options"] = o.options;
    j["device"] = device;
    j["threads"] = b.threads;
    j["input"] = b.input;
    j["params"] = b.params;
    j["macs_torchprofile"] = b.macs_torchprofile;
    j["macs_true"] = b.macs_true;
    j["peak_gflops"] = b.peak_gflops;
    j["infer"] = nlohmann::json::array();
    for (const auto& t : b.infer)
      j["infer"].push_back({{"batch", t.batch},
                            {"median_ms", t.median_ms},
                            {"p90_ms", t.p90_ms},
                            {"gflops", t.gflops},
                            {"pct_peak", 100 * t.gflops / b.peak_gflops}});
    if (b.trained)
      j["train_step"] = {{"batch", b.train_step.batch},
                         {"median_ms", b.train_step.median_ms},
                         {"p90_ms", b.train_step.p90_ms},
                         {"d_model", o.d_model}};
    if (b.r1_timed) {
      for (const auto& [key, t] : {std::pair{"d_step", b.d_step}, {"d_step_r1", b.d_step_r1}})
        j[key] = {{"batch", t.batch}, {"median_ms", t.median_ms}, {"p90_ms", t.p90_ms}};
      j["r1_overhead"] = b.d_step_r1.median_ms / b.d_step.median_ms;
    }
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
  }
  std::printf("%s on %s (%d threads), input %s: params %s, MACs %s (torchprofile) / %s (true)\n",
              o.model.c_str(), device, b.threads, shape_str(b.input).c_str(),
              human(b.params).c_str(), human(b.macs_torchprofile).c_str(),
              human(b.macs_true).c_str());
  std::printf("ceiling: SGEMM 2048^3 at %.1f GFLOP/s; %d warm-up + %d timed runs\n", b.peak_gflops,
              o.warmup, o.runs);
  for (const auto& t : b.infer)
    std::printf(
        "infer batch %-3lld median %9.2f ms  p90 %9.2f ms  %8.1f GFLOP/s  %5.1f%% of SGEMM\n",
        (long long)t.batch, t.median_ms, t.p90_ms, t.gflops, 100 * t.gflops / b.peak_gflops);
  if (b.trained)
    std::printf("train iteration (D %s, batch %lld) median %9.2f ms  p90 %9.2f ms\n",
                o.d_model.c_str(), (long long)b.train_step.batch, b.train_step.median_ms,
                b.train_step.p90_ms);
  if (b.r1_timed)
    std::printf(
        "D step            median %9.2f ms  p90 %9.2f ms\n"
        "D step with R1    median %9.2f ms  p90 %9.2f ms  (x%.2f)\n",
        b.d_step.median_ms, b.d_step.p90_ms, b.d_step_r1.median_ms, b.d_step_r1.p90_ms,
        b.d_step_r1.median_ms / b.d_step.median_ms);
  return 0;
}

const std::vector<Subcommand>& subcommands() {
  static const std::vector<Subcommand> table = {
      {"model",
       "(SPEC.json | --model NAME) [--batch 1,16] [--train-with D] [--device cpu|cuda] [--json]\n"
       "        inference latency per batch and a training iteration",
       cmd_model},
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
                           "bench (model | osgan) ... [--json]\n"
                           "        timing benchmarks (ganlite bench --help lists them)",
                           cmd_bench}};

}  // namespace
}  // namespace ganlite::cli
