// The trainer on the GPU: the tiny runs of the CPU suite (trainer_fixtures.h) with device cuda.
// From the same weights, batch and latents, the first step computes what the CPU computes; later
// steps stay close (an early Adam step moves each weight by about lr whatever the gradient's
// size, so rounding differences cannot carry the weights far). Resume continues a CUDA run, and a
// CPU run on the GPU; every Fashion-MNIST example spec trains a step there with its technique;
// OSGAN's one-stage gradients on the device equal the CPU's.
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>

#include "../trainer_fixtures.h"
#include "compress/osgan/osgan.h"
#include "engine/ops.h"
#include "gan/train/spec.h"
#include "gan/train/trainer.h"
#include "nn/data/fashion.h"
#include "parity.h"

using namespace ganlite;
using namespace ganlite::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

json on(json spec, const char* device) {
  spec["device"] = device;
  return spec;
}

bool is_timing_or_counter(const std::string& key) {
  return key == "time_s" || key == "it_per_s" || key == "step" || key == "epoch";
}

// Every logged scalar of each line within `first` relative on the first line, `later` after.
void check_close_losses(const std::vector<json>& cpu, const std::vector<json>& gpu, double first,
                        double later) {
  REQUIRE(cpu.size() == gpu.size());
  for (size_t i = 0; i < cpu.size(); ++i)
    for (auto it = cpu[i].begin(); it != cpu[i].end(); ++it) {
      if (is_timing_or_counter(it.key())) continue;
      INFO("line " << i << " key " << it.key());
      REQUIRE(gpu[i].contains(it.key()));
      const double a = it.value(), b = gpu[i][it.key()];
      CHECK(std::isfinite(b));
      CHECK(std::abs(a - b) <= (i == 0 ? first : later) * (1 + std::abs(a)));
    }
}

// The networks' tensors of two checkpoints within `atol` of each other.
void check_close_nets(const std::string& cpu_run, const std::string& gpu_run, double atol) {
  const TensorMap a = gan::load_run_checkpoint(cpu_run).tensors;
  const TensorMap b = gan::load_run_checkpoint(gpu_run).tensors;
  REQUIRE(a.size() == b.size());
  int compared = 0;
  for (const auto& [k, t] : a) {
    if (k.rfind("G", 0) != 0 && k.rfind("D", 0) != 0) continue;
    if (!is_float(t.dtype())) continue;
    INFO(k);
    REQUIRE(b.count(k));
    CHECK(dist(t, b.at(k)) <= atol * std::sqrt(static_cast<double>(t.numel())));
    ++compared;
  }
  CHECK(compared > 0);
}

}  // namespace

TEST_CASE("train on cuda: DCGAN, CycleGAN and pix2pix follow their CPU runs", "[train]") {
  REQUIRE_FASHION();
  const std::vector<std::pair<std::string, std::function<json(const std::string&)>>> runs = {
      {"dcgan", tiny_spec}, {"cyclegan", tiny_cyclegan}, {"pix2pix", tiny_pix2pix}};
  for (const auto& [name, make] : runs) {
    INFO(name);
    const gan::TrainResult cpu = run(on(make(out_dir(name + "_cpu")), "cpu"), 3);
    const gan::TrainResult gpu = run(on(make(out_dir(name + "_gpu")), "cuda"), 3);
    CHECK(gpu.steps_done == 3);
    check_close_losses(metrics(cpu.run_dir), metrics(gpu.run_dir), 1e-4, 2e-2);
    check_close_nets(cpu.run_dir, gpu.run_dir, 2e-3);
  }
}

TEST_CASE("train on cuda: resume continues a CUDA run, and a CPU run on the GPU", "[train]") {
  REQUIRE_FASHION();
  const gan::TrainResult whole = run(on(tiny_spec(out_dir("cuda_whole")), "cuda"), 6);
  const std::string parts = out_dir("cuda_parts");
  const gan::TrainResult first = run(on(tiny_spec(parts), "cuda"), 3);
  const gan::TrainResult rest = run(on(tiny_spec(parts), "cuda"), 6, first.run_dir);
  CHECK(rest.steps_done == 6);
  const std::vector<json> a = metrics(whole.run_dir), b = metrics(first.run_dir);
  REQUIRE(a.size() == b.size());
  check_close_losses(a, b, 1e-5, 1e-5);

  // Three steps on the CPU, three more on the GPU: close to six on the CPU.
  const gan::TrainResult cpu6 = run(on(tiny_spec(out_dir("cpu_whole")), "cpu"), 6);
  const std::string mixed = out_dir("cpu_then_cuda");
  const gan::TrainResult cpu3 = run(on(tiny_spec(mixed), "cpu"), 3);
  CHECK(run(on(tiny_spec(mixed), "cuda"), 6, cpu3.run_dir).steps_done == 6);
  check_close_losses(metrics(cpu6.run_dir), metrics(cpu3.run_dir), 0, 2e-2);
}

TEST_CASE("train on cuda: every Fashion-MNIST example spec trains a step with its technique",
          "[train]") {
  REQUIRE_FASHION();
  int trained = 0;
  for (auto& [file, s] : example_specs_one_step(out_dir("cuda_examples"))) {
    INFO(file);
    const gan::TrainResult r = run(on(s, "cuda"));
    CHECK(r.steps_done == 1);
    for (const auto& [k, v] : r.last) {
      INFO(k);
      CHECK(std::isfinite(v));
    }
    ++trained;
  }
  CHECK(trained >= 8);
}

TEST_CASE("osgan on cuda: one-stage gradients equal the CPU's", "[train]") {
  REQUIRE_FASHION();
  json s = tiny_spec(out_dir("osgan_cuda"));
  s["model"]["D"]["options"]["norm"] = "group";
  s["model"]["D"]["options"]["ndf"] = 8;
  const json cpu_spec = gan::resolve_spec(on(s, "cpu")),
             gpu_spec = gan::resolve_spec(on(s, "cuda"));
  gan::Run cpu(cpu_spec), gpu(gpu_spec);  // the same seed: the same initial weights
  auto ds = gan::make_dataset(cpu_spec);
  std::vector<data::Example> ex;
  for (int64_t i = 0; i < 4; ++i) ex.push_back(ds->get(i));
  const data::Batch batch = data::collate(ex);
  gan::GanBatch b;
  b.real = batch.a;
  b.z = cpu.sample_latent(4);
  gan::GanBatch bg = b;
  bg.real = b.real.cuda();
  bg.z = b.z.cuda();
  compress::OsganOptions o;
  auto fns = [](gan::Run& r) { return gan::gan_fns(r.module("G"), r.module("D")); };
  for (auto mode : {compress::OsganMode::asymmetric, compress::OsganMode::symmetric}) {
    INFO(compress::osgan_mode_name(mode));
    o.mode = mode;
    for (gan::Run* r : {&cpu, &gpu}) r->module("G").zero_grad(), r->module("D").zero_grad();
    const compress::StepStats sc = compress::osgan_backward(fns(cpu), cpu.mode, o, b);
    const compress::StepStats sg = compress::osgan_backward(fns(gpu), gpu.mode, o, bg);
    CHECK(sg.loss_D == Approx(sc.loss_D).epsilon(1e-4));
    CHECK(sg.loss_G == Approx(sc.loss_G).epsilon(1e-4));
    CHECK(sg.dead == sc.dead);
    for (const char* name : {"G", "D"}) {
      const auto pc = cpu.module(name).named_parameters(), pg = gpu.module(name).named_parameters();
      REQUIRE(pc.size() == pg.size());
      for (size_t i = 0; i < pc.size(); ++i) {
        INFO(pc[i].first);
        REQUIRE(pg[i].second.grad().defined());
        CHECK(pg[i].second.grad().device() == Device::cuda);
        CHECK(dist(pc[i].second.grad(), pg[i].second.grad()) <=
              1e-4 * (1 + norm_of(pc[i].second.grad())));
      }
    }
  }
}
