// train(): the loop around the task's step, and everything a run writes (docs/training.md).
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/autograd.h"
#include "engine/files.h"
#include "engine/grid.h"
#include "engine/image.h"
#include "engine/ops.h"
#include "gan/train/spec.h"
#include "gan/train/trainer.h"
#include "kernels/cpu/gemm.h"
#include "nn/cond_bn.h"
#include "nn/data/fashion.h"
#include "nn/scope.h"

namespace ganlite::gan {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::atomic<int> g_signal{0};
// The first SIGINT/SIGTERM is acknowledged at once and ends the run after the step; a second one
// ends the process at once (the default action), without a checkpoint.
extern "C" void on_signal(int s) {
  if (g_signal) {
    std::signal(s, SIG_DFL);
    std::raise(s);
    return;
  }
  g_signal = s;
  static const char msg[] =
      "\nganlite: stopping after this step, with a checkpoint (again to stop at once, without "
      "one)\n";
  const ssize_t ignored = ::write(2, msg, sizeof msg - 1);
  (void)ignored;
}

// SIGINT/SIGTERM finish the current step instead of killing the process, for the scope of a run.
class SignalScope {
 public:
  SignalScope() {
    g_signal = 0;
    old_int_ = std::signal(SIGINT, on_signal);
    old_term_ = std::signal(SIGTERM, on_signal);
  }
  ~SignalScope() {
    std::signal(SIGINT, old_int_);
    std::signal(SIGTERM, old_term_);
  }

 private:
  void (*old_int_)(int);
  void (*old_term_)(int);
};

// Means of each scalar over the steps since the last metrics line.
class ScalarMeans {
 public:
  void add(const Scalars& s) {
    for (const auto& [k, v] : s) {
      auto it = std::find_if(sums_.begin(), sums_.end(), [&](auto& e) { return e.first == k; });
      if (it == sums_.end()) {
        sums_.push_back({k, 0.0});
        counts_.push_back(0);
        it = sums_.end() - 1;
      }
      it->second += v;
      ++counts_[it - sums_.begin()];
    }
  }
  Scalars take() {
    Scalars out;
    for (size_t i = 0; i < sums_.size(); ++i)
      out.push_back({sums_[i].first, sums_[i].second / counts_[i]});
    sums_.clear();
    counts_.clear();
    return out;
  }

 private:
  Scalars sums_;
  std::vector<int64_t> counts_;
};

std::string hms(double seconds) {
  const int64_t s = static_cast<int64_t>(seconds + 0.5);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", (long long)(s / 3600),
                  (long long)(s / 60 % 60), (long long)(s % 60));
  else
    std::snprintf(buf, sizeof buf, "%lld:%02lld", (long long)(s / 60), (long long)(s % 60));
  return buf;
}

// The spec fields a resumed run may change: its length, its logging and its device (a CPU run
// may continue on a GPU; bit-identical continuation holds on one device).
json comparable(json s) {
  s.erase("name");
  s.erase("device");
  s["schedule"].erase("steps");
  s["schedule"].erase("epochs");
  s.erase("logging");
  return s;
}

void check_resumable(const json& spec, const json& saved, const std::string& file) {
  const json diff = json::diff(comparable(saved), comparable(spec));
  if (diff.empty()) return;
  std::string fields;
  for (const auto& d : diff) fields += (fields.empty() ? "" : ", ") + d["path"].get<std::string>();
  throw SpecError("the spec differs from the one " + file + " was trained with, at " + fields +
                  " (a resumed run may change only schedule.steps/epochs, logging and device)");
}

// A new run's directory: out_dir a directory (or not there yet), and no trace of another run
// (a checkpoint of any step, metrics), so a new run never writes over one.
void check_new_run_dir(const std::string& out_dir, const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(out_dir, ec) && !fs::is_directory(out_dir, ec))
    throw SpecError("/logging/out_dir: " + out_dir + " is a file, not a directory");
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
    throw Error(dir.string() + " (the run directory) exists and is not a directory");
  std::vector<std::string> found;
  for (const auto& e : fs::directory_iterator(dir / "checkpoints", ec))
    if (e.path().extension() == ".safetensors") found.push_back(e.path().string());
  std::sort(found.begin(), found.end());
  if (fs::file_size(dir / "metrics.jsonl", ec) > 0 && !ec)
    found.push_back((dir / "metrics.jsonl").string());
  if (found.empty()) return;
  std::string list;
  for (size_t i = 0; i < found.size() && i < 3; ++i) list += (i ? ", " : "") + found[i];
  if (found.size() > 3) list += ", ...";
  throw Error(dir.string() + " already holds a run (" + list + "): pass --resume " + dir.string() +
              " (with --from NAME to pick a checkpoint) to continue it, or choose "
              "another name or --out");
}

// A CPU run's bits depend on the thread count (docs/architecture.md): a resume on another count
// would diverge from the uninterrupted run without a word.
void check_threads(const RunCheckpoint& c, bool allow_change) {
  auto it = c.metadata.find("threads");
  if (it == c.metadata.end() || c.spec["device"] != "cpu") return;
  const int now = cpu::num_threads();
  if (it->second == std::to_string(now)) return;
  const std::string what = c.path + " was written by a run on " + it->second +
                           " CPU threads; this one has " + std::to_string(now) +
                           ", and a CPU run's bits depend on the thread count, so the resumed run "
                           "will not repeat the uninterrupted one";
  if (!allow_change)
    throw Error(what + ". Resume with --threads " + it->second +
                ", or pass --allow-thread-change to continue anyway");
  std::fprintf(stderr, "ganlite: warning: %s\n", what.c_str());
}

// Images of several sizes (preprocess "none") in one grid: each padded with black (-1) to the
// largest height and width, centred.
Tensor stack_padded(const std::vector<Tensor>& images) {
  int64_t h = 0, w = 0;
  for (const Tensor& t : images) h = std::max(h, t.size(1)), w = std::max(w, t.size(2));
  std::vector<Tensor> out;
  for (const Tensor& t : images) {
    const int64_t ph = h - t.size(1), pw = w - t.size(2);
    out.push_back(ph + pw == 0 ? t
                               : zero_pad2d((t + 1.0).unsqueeze(0),
                                            {pw / 2, pw - pw / 2, ph / 2, ph - ph / 2})
                                         .squeeze(0) -
                                     1.0);
  }
  return stack(out, 0);
}

// Fixed inputs for the sample grids, so that grids of one run are comparable over time.
struct SampleInputs {
  Tensor z, labels;  // generation
  Tensor a, b;       // translation: the first 8 evaluation (or training) examples
  int64_t columns = 8;
};

SampleInputs make_sample_inputs(Run& run, const data::Dataset& train_set) {
  SampleInputs s;
  if (run.task == TaskKind::generation) {
    Generator g(run.spec["seed"].get<uint64_t>() ^ 0xbb67ae8584caa73bULL);
    const int64_t rows = run.num_classes > 0 ? run.num_classes : 8;
    s.z = randn(run.latent_shape(rows * s.columns), g);
    if (run.num_classes > 0) {
      std::vector<int64_t> y;
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < s.columns; ++c) y.push_back(r);
      s.labels = from_vector(y, {rows * s.columns});
    }
  } else if (run.task != TaskKind::classifier) {
    std::shared_ptr<const data::Dataset> eval;
    try {
      eval = make_dataset(run.spec, true);
    } catch (const Error&) {
      eval = nullptr;  // no test split (image folders without testA/test): use training images
    }
    const data::Dataset& from = eval ? *eval : train_set;
    std::vector<Tensor> a, b;
    for (int64_t i = 0; i < std::min<int64_t>(s.columns, from.size()); ++i) {
      data::Example e = from.get(i);
      a.push_back(e.a);
      b.push_back(e.b);
    }
    s.columns = static_cast<int64_t>(a.size());
    s.a = stack_padded(a);
    s.b = stack_padded(b);
  }
  return s;
}

// The grid, from the deploy network, its rows labelled and small images scaled up: generation
// one row per class (8 unlabelled rows if unconditional); unpaired rows real A, G_A(A),
// G_B(G_A(A)), real B, G_B(B), G_A(G_B(B)) (with another deploy network: real A, its output,
// real B); paired rows A, G(A), B. Channels differing between rows (gray edges beside RGB
// photos) are broadcast to RGB.
void write_samples(Run& run, const SampleInputs& in, const fs::path& path) {
  if (run.task == TaskKind::classifier) return;
  NoGradGuard ng;
  // A grid draws what the network draws (StyleGAN2's noise inputs) from the default generator;
  // put it back after, so that sampling (its interval, the grid an interruption writes before
  // its checkpoint) never changes the training that follows.
  struct RestoreDefault {
    Generator saved = default_generator();
    ~RestoreDefault() { default_generator() = saved; }
  } restore;
  nn::Module& G = run.module(run.deploy);
  Network* g2 = run.deploy == "G" ? run.find("G2") : nullptr;
  nn::EvalScope eval_g(G);
  std::optional<nn::EvalScope> eval_g2;
  if (g2) eval_g2.emplace(*g2->module);
  auto dev = [&](const Tensor& t) { return t.defined() ? t.to(run.device) : t; };
  std::vector<Tensor> rows;
  std::vector<std::string> labels;
  if (run.task == TaskKind::generation) {
    const Tensor all = forward_with_labels(G, dev(in.z), dev(in.labels)).cpu();
    for (int64_t r = 0; r * in.columns < all.size(0); ++r) {
      rows.push_back(all.slice(0, r * in.columns, in.columns));
      if (run.num_classes > 0)
        labels.push_back(std::to_string(r) +
                         (run.num_classes == 10 && run.spec["data"]["dataset"] == "fashion_mnist"
                              ? std::string(" ") + data::kFashionClasses[r]
                              : ""));
    }
  } else if (run.task == TaskKind::unpaired && g2) {
    const Tensor fb = G(dev(in.a)), fa = (*g2->module)(dev(in.b));
    rows = {in.a, fb, (*g2->module)(fb), in.b, fa, G(fa)};
    labels = {"real A", "G_A(A)", "G_B(G_A(A))", "real B", "G_B(B)", "G_A(G_B(B))"};
  } else {
    rows = {in.a, G(dev(in.a)), in.b};
    labels = {"A", run.deploy + "(A)", "B"};
  }
  for (auto& r : rows) r = r.cpu();
  save_labelled_grid(path.string(), rows, labels, {}, grid_scale(rows[0].size(2)));
}

// Keeps the metrics lines up to `step` (a run that crashed after its last checkpoint logged
// steps the resumed run repeats).
void truncate_metrics(const fs::path& path, int64_t step) {
  std::ifstream in(path);
  if (!in) return;
  std::string line, kept;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    json j = json::parse(line, nullptr, false);
    if (j.is_object() && j.value("step", int64_t(0)) <= step) kept += line + "\n";
  }
  in.close();
  std::ofstream(path, std::ios::trunc) << kept;
}

std::string scalars_text(const Scalars& s) {
  std::string out;
  char buf[64];
  for (const auto& [k, v] : s) {
    std::snprintf(buf, sizeof buf, " %s %.4g", k.c_str(), v);
    out += buf;
  }
  return out;
}

}  // namespace

TrainResult train(const json& resolved_spec, TrainOptions opt) {
  json spec = resolved_spec;
  if (!opt.out_dir.empty()) spec["logging"]["out_dir"] = opt.out_dir;
  const json& lg = spec["logging"];
  const bool resume = !opt.resume_dir.empty();
  std::error_code ec;
  std::optional<ResumePoint> from;
  if (resume) from = resume_point(opt.resume_dir, opt.resume_from);
  const fs::path dir =
      resume ? fs::path(from->run_dir)
             : fs::path(lg["out_dir"].get<std::string>()) / spec["name"].get<std::string>();
  const fs::path ckpt_dir = dir / "checkpoints";
  const fs::path latest = ckpt_dir / "latest.safetensors";

  std::optional<RunCheckpoint> ckpt;
  if (resume) {
    try {
      ckpt = load_run_checkpoint(from->checkpoint);
    } catch (const Error& e) {
      std::string intact;
      for (const auto& n : intact_checkpoints(dir.string()))
        intact += (intact.empty() ? "" : ", ") + n;
      throw Error(std::string(e.what()) + "\n" +
                  (intact.empty()
                       ? "no checkpoint of " + dir.string() + " loads intact"
                       : "intact checkpoints of " + dir.string() + ": " + intact +
                             "; resume from one with --resume " + dir.string() + " --from NAME"));
    }
    check_resumable(spec, ckpt->spec, from->checkpoint);
    check_threads(*ckpt, opt.allow_thread_change);
  } else {
    check_new_run_dir(lg["out_dir"].get<std::string>(), dir);
  }

  std::shared_ptr<Technique> owned = opt.technique;
  if (!owned) owned = make_technique(spec);
  Technique* tech = owned.get();
  const nlohmann::json& named = spec["technique"]["name"];
  if (tech && named.is_string() && tech->name() != named.get<std::string>())
    throw Error("train: the technique given (" + tech->name() +
                ") is not the one the spec names (" + named.get<std::string>() + ")");
  Run::Options ro;
  if (ckpt) {
    ro.resuming = true;
    auto nets = ckpt->metadata.find("networks");
    if (nets != ckpt->metadata.end()) ro.pinned = json::parse(nets->second, nullptr, false);
    if (!ro.pinned.is_array()) ro.pinned = json::array();
  }
  Run run(spec, ro);
  if (tech) tech->setup(run);
  run.add_ema();
  auto dataset = make_dataset(spec);
  check_setup(run, *dataset);
  run.steps_per_epoch = dataset->size() / run.batch_size;
  const int64_t epochs = spec["schedule"]["epochs"];
  run.total_steps =
      epochs > 0 ? epochs * run.steps_per_epoch : spec["schedule"]["steps"].get<int64_t>();
  if (ckpt) restore_run(run, tech, *ckpt);

  make_directories(ckpt_dir.string(), "run directory");
  make_directories((dir / "samples").string(), "run directory");
  write_resolved_spec(spec, (dir / "spec.resolved.json").string());
  const fs::path metrics_path = dir / "metrics.jsonl";
  if (ckpt)
    truncate_metrics(metrics_path, run.step);
  else
    std::ofstream(metrics_path, std::ios::trunc);
  std::ofstream metrics(metrics_path, std::ios::app);

  TrainResult res;
  res.run_dir = dir.string();
  const int64_t log_every = lg["log_every"], sample_every = lg["sample_every"],
                ckpt_every = lg["checkpoint_every"];
  const SampleInputs samples = make_sample_inputs(run, *dataset);
  const bool tty = !opt.quiet && isatty(fileno(stdout));
  if (!opt.quiet && !dataset->summary().empty())
    std::printf("data: %s\n", dataset->summary().c_str());
  if (!opt.quiet)
    std::printf("%s %s: %s, %lld steps (%lld per epoch), batch %lld, run dir %s\n",
                ckpt ? "resuming" : "training", spec["name"].get<std::string>().c_str(),
                task_kind_name(run.task), (long long)run.total_steps,
                (long long)run.steps_per_epoch, (long long)run.batch_size, dir.string().c_str());

  data::LoaderOptions lo;
  lo.batch_size = run.batch_size;
  lo.drop_last = true;
  lo.seed = spec["seed"];
  lo.start_epoch = run.epoch();
  lo.start_batch = run.step % run.steps_per_epoch;
  data::Loader loader(dataset, lo);

  SignalScope signals;
  ScalarMeans means;
  const auto t0 = Clock::now();
  auto last_log = t0;
  const int64_t first_step = run.step;
  int64_t last_saved = ckpt ? run.step : -1, last_sampled = -1, since_log = 0;
  while (run.step < run.total_steps) {
    const bool out_of_time =
        opt.time_limit_s > 0 &&
        std::chrono::duration<double>(Clock::now() - t0).count() >= opt.time_limit_s;
    if (g_signal || out_of_time || (opt.stop_after >= 0 && run.step >= opt.stop_after)) {
      res.interrupted = true;
      res.signal = g_signal;
      break;
    }
    std::optional<data::Batch> batch;
    try {
      batch = loader.next();
      if (!batch) batch = loader.next();
    } catch (const std::exception& e) {
      // A batch that cannot be loaded (an image damaged since the data was opened) stops the run
      // between two steps: the state is whole, so it is saved and the run can go on from here.
      if (last_saved != run.step) save_run_checkpoint(run, tech, ckpt_dir.string());
      throw Error(std::string(e.what()) + "\ntraining stopped at step " + std::to_string(run.step) +
                  "; checkpoint " + latest.string() +
                  " holds it: fix or remove the file, then ganlite train --resume " + dir.string());
    }
    run.to_device(*batch);
    run.apply_schedule();
    Scalars log;
    if (!tech || !tech->step(run, *batch, log)) log = task_step(run, *batch, tech);
    ++run.step;
    ++since_log;
    if (tech) tech->after_step(run);
    run.update_averages();
    means.add(log);
    res.last = log;

    const auto now = Clock::now();
    const double elapsed = std::chrono::duration<double>(now - t0).count();
    const double rate = (run.step - first_step) / std::max(elapsed, 1e-9);
    if (tty) {
      std::printf("\r\033[Kstep %lld/%lld  %.2f it/s  ETA %s |%s", (long long)run.step,
                  (long long)run.total_steps, rate,
                  hms((run.total_steps - run.step) / std::max(rate, 1e-9)).c_str(),
                  scalars_text(log).c_str());
      std::fflush(stdout);
    }
    if (run.step % log_every == 0 || run.step == run.total_steps) {
      const double interval = std::chrono::duration<double>(now - last_log).count();
      last_log = now;
      nlohmann::ordered_json line;
      line["step"] = run.step;
      line["epoch"] = (run.step - 1) / run.steps_per_epoch;  // the epoch of the step logged
      // One lr per optimizer section (G and G2 share /optim/G): lr_G, lr_D, lr_<network>.
      for (const auto& n : run.networks())
        if (n->trainable() && !line.contains("lr_" + n->optim))
          line["lr_" + n->optim] = n->opt->lr();
      const Scalars m = means.take();
      for (const auto& [k, v] : m) line[k] = v;
      line["it_per_s"] = since_log / std::max(interval, 1e-9);
      line["time_s"] = elapsed;
      since_log = 0;
      metrics << line.dump() << "\n" << std::flush;
      if (!tty && !opt.quiet)
        std::printf("step %lld/%lld  %.2f it/s  ETA %s |%s\n", (long long)run.step,
                    (long long)run.total_steps, rate,
                    hms((run.total_steps - run.step) / std::max(rate, 1e-9)).c_str(),
                    scalars_text(m).c_str());
      std::fflush(stdout);  // a log file follows the run
    }
    if (sample_every > 0 && run.step % sample_every == 0) {
      char name[64];
      std::snprintf(name, sizeof name, "step_%06lld.png", (long long)run.step);
      write_samples(run, samples, dir / "samples" / name);
      last_sampled = run.step;
    }
    if (ckpt_every > 0 && run.step % ckpt_every == 0) {
      save_run_checkpoint(run, tech, ckpt_dir.string());
      last_saved = run.step;
    }
  }
  if (tty) std::printf("\n");
  if (sample_every > 0 && last_sampled != run.step) {
    char name[64];
    std::snprintf(name, sizeof name, "step_%06lld.png", (long long)run.step);
    write_samples(run, samples, dir / "samples" / name);
  }
  if (last_saved != run.step) save_run_checkpoint(run, tech, ckpt_dir.string());
  res.steps_done = run.step;
  res.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  if (!opt.quiet) {
    if (res.interrupted)
      std::printf("stopped at step %lld; continue with: ganlite train --resume %s\n",
                  (long long)run.step, dir.string().c_str());
    std::printf("%lld steps in %s; checkpoint %s\n", (long long)(run.step - first_step),
                hms(res.seconds).c_str(), latest.string().c_str());
  }
  return res;
}

}  // namespace ganlite::gan
