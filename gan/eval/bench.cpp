// ganlite bench model (see bench.h).
#include "gan/eval/bench.h"

#include <algorithm>
#include <chrono>
#include <functional>

#include "engine/autograd.h"
#include "engine/backend.h"
#include "engine/files.h"
#include "engine/ops.h"
#include "engine/random.h"
#include "engine/safetensors.h"
#include "gan/train/steps.h"
#include "gan/train/task.h"
#include "kernels/cpu/gemm.h"
#include "nn/cond_bn.h"
#include "nn/optim.h"
#include "nn/profile.h"

namespace ganlite::gan {
namespace {

// Median and p90 of `runs` timed calls of each function after `warmup` untimed ones, each call
// synchronised on both ends; the functions take turns run by run, so drift on a shared machine
// reaches them alike.
std::vector<Timing> time_interleaved(Device dev, int runs, int warmup,
                                     const std::vector<std::function<void()>>& fns) {
  for (const auto& fn : fns)
    for (int i = 0; i < warmup; ++i) fn();
  synchronize(dev);
  std::vector<std::vector<double>> ms(fns.size());
  for (int i = 0; i < runs; ++i)
    for (size_t f = 0; f < fns.size(); ++f) {
      auto t0 = std::chrono::steady_clock::now();
      fns[f]();
      synchronize(dev);
      ms[f].push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
  std::vector<Timing> out;
  for (auto& m : ms) {
    std::sort(m.begin(), m.end());
    Timing t;
    t.median_ms = m[m.size() / 2];
    t.p90_ms = m[std::min(m.size() - 1, static_cast<size_t>(0.9 * m.size()))];
    out.push_back(t);
  }
  return out;
}

Timing time_runs(Device dev, int runs, int warmup, const std::function<void()>& fn) {
  return time_interleaved(dev, runs, warmup, {fn})[0];
}

// The ceiling: a 2048^3 SGEMM through matmul on the device, best of 5.
double sgemm_gflops(Device dev, Generator& gen) {
  NoGradGuard ng;
  const int64_t n = 2048;
  Tensor a = randn({n, n}, gen, DType::f32, dev), b = randn({n, n}, gen, DType::f32, dev);
  Timing t = time_runs(dev, 5, 1, [&] { matmul(a, b); });
  return 2.0 * n * n * n / (t.median_ms * 1e6);
}

// Labels for class-conditional nets (0 classes: none needed).
void label(nn::Module& net, int64_t classes, int64_t batch, Generator& gen, Device dev) {
  if (classes > 0) nn::set_labels(net, randint(0, classes, {batch}, gen, dev));
}

}  // namespace

BenchResult bench_model(const BenchOptions& o) {
  GANLITE_CHECK(!o.batches.empty() && o.runs > 0 && o.warmup >= 0,
                "bench: batches, runs > 0 and warmup >= 0 are required");
  BenchResult res;
  res.threads = cpu::num_threads();
  manual_seed(o.seed);
  nn::ModulePtr net = make_model(o.model, o.options);
  if (!o.weights.empty()) try {
      net->load_state_dict(o.weights);
    } catch (const Error& e) {
      throw Error("bench: the weights do not fit " + o.model + ": " + without_location(e));
    }
  res.input = profile_input(o.model, o.options, 1, o.height, o.width);
  const int64_t classes = conditional_classes(*net);
  Generator gen(o.seed);
  {
    nn::Profile p = nn::profile(*net, res.input);
    res.params = p.params;
    res.macs_torchprofile = p.macs_torchprofile;
    res.macs_true = p.macs_true;
  }
  net->to(o.device);
  res.peak_gflops = sgemm_gflops(o.device, gen);

  net->eval();
  for (int64_t b : o.batches) {
    NoGradGuard ng;
    Shape shape = res.input;
    shape[0] = b;
    Tensor x = randn(shape, gen, DType::f32, o.device);
    label(*net, classes, b, gen, o.device);
    Timing t = time_runs(o.device, o.runs, o.warmup, [&] { (*net)(x); });
    t.batch = b;
    t.gflops = 2.0 * res.macs_true * static_cast<double>(b) / (t.median_ms * 1e6);
    res.infer.push_back(t);
  }

  nn::ModulePtr d;
  if (!o.d_model.empty()) {
    d = make_model(o.d_model, o.d_options);
    d->to(o.device);
  }
  if (!o.save_dir.empty()) {
    NoGradGuard ng;
    make_directories(o.save_dir, "bench --save");
    TensorMap weights = net->state_dict();
    if (d)
      for (auto& [k, v] : d->state_dict()) weights["D." + k] = v;
    save_safetensors(o.save_dir + "/weights.safetensors", weights);
    Tensor x = randn(res.input, gen, DType::f32, o.device);
    TensorMap io{{"input", x}};
    if (classes > 0) {
      Tensor y = randint(0, classes, {1}, gen, o.device);
      nn::set_labels(*net, y);
      io["labels"] = y;
    }
    io["output"] = (*net)(x);
    save_safetensors(o.save_dir + "/io.safetensors", io);
  }
  if (!d) return res;

  // One training iteration: the trainer's generation step (gan::generation_step) on this G and
  // D: D on a real batch and the detached fake, then G against D with D's parameters frozen;
  // LSGAN losses, Adam (2e-4, 0.5, 0.999) on both, as in the peers.
  net->train();
  d->train();
  nn::Adam opt_g(net->parameters()), opt_d(d->parameters());
  Shape in = res.input;
  in[0] = o.train_batch;
  GanBatch batch;
  batch.z = randn(in, gen, DType::f32, o.device);
  label(*net, classes, o.train_batch, gen, o.device);
  {
    NoGradGuard ng;
    batch.real = randn((*net)(batch.z).shape(), gen, DType::f32, o.device);
  }
  GenerationStep gs;
  gs.nets = gan_fns(*net, *d);
  if (o.paired)  // pix2pix's D sees (A, B) pairs: G's input beside the real or fake image
    gs.nets.discriminate = [&](const Tensor& x, const Tensor& y) {
      return forward_with_labels(*d, concat({batch.z, x}, 1), y);
    };
  gs.d_params = d->parameters();
  gs.mode = GanMode::lsgan;
  gs.opt_D = {&opt_d};
  gs.opt_G = {&opt_g};
  auto step = [&] {
    StepTensors t;
    generation_step(gs, batch, t);
  };
  res.train_step = time_runs(o.device, o.runs, o.warmup, step);
  res.train_step.batch = o.train_batch;
  res.trained = true;
  if (!o.r1) return res;

  // D's step alone against a fixed fake batch, without and with R1 on every step (gamma 10; the
  // weight does not change the work), the two taking turns.
  Tensor fake;
  {
    NoGradGuard ng;
    fake = gs.nets.generate(batch.z, batch.labels);
  }
  GenerationStep with_r1 = gs;
  with_r1.r1_weight = 5;
  auto d_step = [&](const GenerationStep& s) {
    return [&] {
      StepTensors t;
      discriminator_step(s, batch, fake, t);
    };
  };
  const std::vector<Timing> timed =
      time_interleaved(o.device, o.runs, o.warmup, {d_step(gs), d_step(with_r1)});
  res.d_step = timed[0];
  res.d_step_r1 = timed[1];
  res.d_step.batch = res.d_step_r1.batch = o.train_batch;
  res.r1_timed = true;
  return res;
}

}  // namespace ganlite::gan
