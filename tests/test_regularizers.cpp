// The trainer's regularisers (spec losses.r1_gamma/r1_interval, lambda_gp, pl_* and ema): what
// each step logs, the EMA generator as a stored, deployed network, and exact resume with all of
// them on; the path-length penalty's formula on a linear generator.
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "gan/train/checkpoint.h"
#include "gan/train/penalties.h"
#include "gan/train/run.h"
#include "gan/train/spec.h"
#include "trainer_fixtures.h"

using namespace ganlite;
using namespace ganlite::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// tiny_spec with lazy R1 every 3 D steps, WGAN-GP and an EMA generator from step 4.
json regularized_dcgan(const std::string& out) {
  json s = tiny_spec(out);
  s["losses"] = {{"gan_mode", "wgan"}, {"r1_gamma", 0.5}, {"r1_interval", 3}, {"lambda_gp", 5.0}};
  s["ema"] = {{"decay", 0.9}, {"start_step", 4}};
  return s;
}

// A 32 px StyleGAN2 of 8 channels with lazy R1, the path length every 2 G steps and an EMA with a
// half-life, 8 steps of batch 4.
json tiny_stylegan2(const std::string& out) {
  json s = tiny_spec(out);
  const json opts = {
      {"resolution", 32}, {"img_channels", 1}, {"channel_base", 64}, {"channel_max", 8}};
  s["model"]["G"] = {{"name", "stylegan2_generator"}, {"options", opts}};
  s["model"]["G"]["options"]["z_dim"] = 8;
  s["model"]["G"]["options"]["w_dim"] = 8;
  s["model"]["G"]["options"]["n_mlp"] = 2;
  s["model"]["D"] = {{"name", "stylegan2_discriminator"}, {"options", opts}};
  s["losses"] = {{"gan_mode", "vanilla"}, {"r1_gamma", 1.0},  {"r1_interval", 2},
                 {"pl_weight", 2.0},      {"pl_interval", 2}, {"pl_batch_shrink", 2}};
  s["ema"] = {{"half_life_kimg", 0.01}};
  s["schedule"] = {{"steps", 8}};
  s["logging"]["sample_every"] = 4;
  s["logging"]["checkpoint_every"] = 4;
  return s;
}

std::vector<double> values(const gan::RunCheckpoint& c, const std::string& key) {
  return c.tensors.at(key).to(DType::f64).to_vector<double>();
}

}  // namespace

TEST_CASE("train: lazy R1, WGAN-GP and an EMA generator log, store and resume bit-identically",
          "[trainer][regularizers]") {
  REQUIRE_FASHION();
  const std::string a = out_dir("reg_whole"), b = out_dir("reg_resumed");
  run(regularized_dcgan(a));
  const std::string dir_a = (fs::path(a) / "tiny").string();
  const std::vector<json> m = metrics(dir_a);
  REQUIRE(m.size() == 20);
  for (const json& line : m) {
    const int64_t before = line["step"].get<int64_t>() - 1;  // run.step when the step ran
    INFO("metrics line of step " << line["step"]);
    CHECK(line.contains("r1") == (before % 3 == 0));
    CHECK(line.contains("gp"));
    if (line.contains("gp")) CHECK(std::isfinite(line["gp"].get<double>()));
  }
  // The EMA copies G until step 4, averages afterwards; it is stored and deploys.
  const std::string dir_b = (fs::path(b) / "tiny").string();
  run(regularized_dcgan(b), 4);
  const gan::RunCheckpoint at4 = gan::load_run_checkpoint(dir_b);
  CHECK(gan::deploy_network(at4) == "G_ema");
  CHECK(values(at4, "G_ema.main.0.weight") == values(at4, "G.main.0.weight"));
  CHECK(at4.tensors.count("opt_G_ema.step") == 0);  // an average, not trained
  run(regularized_dcgan(b), -1, dir_b);
  const gan::RunCheckpoint end = gan::load_run_checkpoint(dir_b);
  CHECK(values(end, "G_ema.main.0.weight") != values(end, "G.main.0.weight"));
  check_same_losses(m, metrics(dir_b));
  check_same_state(gan::load_run_checkpoint(dir_a).tensors, end.tensors);
  // infer/eval's default network is the average, loaded as its generator's architecture.
  nn::ModulePtr deployed = gan::load_network(end);
  REQUIRE(deployed->state_dict().count("main.0.weight"));
  CHECK(deployed->state_dict().at("main.0.weight").to(DType::f64).to_vector<double>() ==
        values(end, "G_ema.main.0.weight"));
}

TEST_CASE("train: StyleGAN2 with lazy R1, path length and EMA resumes bit-identically",
          "[trainer][regularizers]") {
  REQUIRE_FASHION();
  const std::string a = out_dir("sg2_reg_whole"), b = out_dir("sg2_reg_resumed");
  run(tiny_stylegan2(a));
  const std::string dir_a = (fs::path(a) / "tiny").string();
  const std::vector<json> m = metrics(dir_a);
  REQUIRE(m.size() == 8);
  for (const json& line : m) {
    const int64_t before = line["step"].get<int64_t>() - 1;
    INFO("metrics line of step " << line["step"]);
    CHECK(line.contains("r1") == (before % 2 == 0));
    CHECK(line.contains("pl") == (before % 2 == 0));
    if (line.contains("pl_length")) CHECK(line["pl_length"].get<double>() > 0);
  }
  const gan::RunCheckpoint whole = gan::load_run_checkpoint(dir_a);
  CHECK(values(whole, "regularizers.pl_mean")[0] > 0);
  const std::string dir_b = (fs::path(b) / "tiny").string();
  run(tiny_stylegan2(b), 3);  // stops between checkpoints: resumes from the one at step 3
  run(tiny_stylegan2(b), -1, dir_b);
  check_same_losses(m, metrics(dir_b));
  check_same_state(whole.tensors, gan::load_run_checkpoint(dir_b).tensors);
}

TEST_CASE("ema: the half-life sets the per-step decay; the average is network <deploy>_ema",
          "[regularizers]") {
  json s = tiny_spec(out_dir("ema_decay"));
  s["ema"] = {{"half_life_kimg", 0.5}};
  gan::Run run(gan::resolve_spec(s));
  run.add_ema();
  CHECK(run.deploy == "G_ema");
  const gan::Network& e = run.net("G_ema");
  CHECK(e.averages == "G");
  CHECK_FALSE(e.trainable());
  CHECK(e.stored());
  // Batch 4: 0.5^(4 / 500) per step, so 125 steps (500 images) halve the weight of the past.
  CHECK(e.ema->decay() == Approx(std::pow(0.5, 4.0 / 500.0)).epsilon(1e-12));
  CHECK(std::pow(e.ema->decay(), 125) == Approx(0.5).epsilon(1e-9));
  json n = run.networks_json();
  CHECK(n.back()["name"] == "G_ema");
  CHECK(n.back()["averages"] == "G");
  CHECK(n.back()["optim"].is_null());
}

TEST_CASE("path length: the lengths of a linear generator, the running mean and the penalty",
          "[regularizers][gradgrad]") {
  // images = reshape(flat(ws) @ A): J^T y = A y for each sample, so with the generator's draw y
  // the lengths are sqrt(mean_l |(A y_n)_l|^2).
  const int64_t n = 3, layers = 2, dim = 3;
  Generator g0(5);
  Tensor A = randn({layers * dim, 4}, g0, DType::f64).requires_grad_(true);
  Tensor w = randn({n, dim}, g0, DType::f64).requires_grad_(true);
  auto penalty = [&](Tensor& running, double* length) {
    Tensor ws = w.unsqueeze(1).expand({n, layers, dim});
    Tensor images = matmul(ws.reshape({n, layers * dim}), A).reshape({n, 1, 2, 2});
    Generator gen(9);
    return gan::path_length_penalty(images, ws, running, 0.1, gen, length);
  };
  Tensor running = full({}, 0.5, DType::f64);
  double length = 0;
  Tensor pl = penalty(running, &length);
  Generator replay(9);
  Tensor y = randn({n, 1, 2, 2}, replay, DType::f64) / 2.0;  // / sqrt(H W)
  Tensor jy = matmul(y.reshape({n, 4}), A.detach().transpose(0, 1)).reshape({n, layers, dim});
  std::vector<double> want = sqrt(mean(sum(jy * jy, {2}), {1})).to_vector<double>();
  const double mean_len = (want[0] + want[1] + want[2]) / 3;
  CHECK(length == Approx(mean_len).epsilon(1e-12));
  const double a = 0.5 * 0.9 + mean_len * 0.1;
  CHECK(running.item() == Approx(a).epsilon(1e-12));
  double p = 0;
  for (double l : want) p += (l - a) * (l - a) / 3;
  CHECK(pl.item() == Approx(p).epsilon(1e-12));
  // The generator's weights get the penalty's gradient through the double backward.
  std::vector<double> gA = grad({pl}, {A})[0].to_vector<double>();
  double* pa = A.data<double>();
  for (int64_t j = 0; j < A.numel(); j += 5) {
    const double orig = pa[j];
    auto at = [&](double v) {
      pa[j] = v;
      Tensor r = full({}, 0.5, DType::f64);
      return penalty(r, nullptr).item();
    };
    const double numeric = (at(orig + 1e-6) - at(orig - 1e-6)) / 2e-6;
    pa[j] = orig;
    INFO("A element " << j);
    CHECK(gA[j] == Approx(numeric).margin(1e-7).epsilon(1e-5));
  }
}

TEST_CASE("train: sample grids leave the training as it is (StyleGAN2 draws noise in them)",
          "[trainer][regularizers]") {
  REQUIRE_FASHION();
  const std::string a = out_dir("sg2_samples_each"), b = out_dir("sg2_samples_none");
  json every = tiny_stylegan2(a), none = tiny_stylegan2(b);
  every["schedule"]["steps"] = 3;
  none["schedule"]["steps"] = 3;
  every["logging"]["sample_every"] = 1;
  none["logging"]["sample_every"] = 0;
  run(every);
  run(none);
  check_same_state(gan::load_run_checkpoint((fs::path(a) / "tiny").string()).tensors,
                   gan::load_run_checkpoint((fs::path(b) / "tiny").string()).tensors);
}
