// The trainer on tiny nets and real Fashion-MNIST batches: the files a run writes, bit-identical
// resume (losses, weights, optimizer state, image pools), interruption, refusals that protect a
// run's checkpoints, and the technique hooks.
#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/backend.h"
#include "engine/ops.h"
#include "gan/train/spec.h"
#include "gan/train/trainer.h"
#include "nn/data/fashion.h"
#include "trainer_fixtures.h"

using namespace ganlite;
using namespace ganlite::test;
using Catch::Matchers::Contains;
using nlohmann::json;
namespace fs = std::filesystem;

TEST_CASE("train: a 20-step run writes every output file", "[trainer]") {
  REQUIRE_FASHION();
  const std::string out = out_dir("files");
  const gan::TrainResult r = run(tiny_spec(out));
  const fs::path dir = fs::path(out) / "tiny";
  CHECK(r.run_dir == dir.string());
  CHECK(r.steps_done == 20);
  CHECK_FALSE(r.interrupted);
  for (const char* f : {"spec.resolved.json", "metrics.jsonl", "samples/step_000010.png",
                        "samples/step_000020.png", "checkpoints/step_000010.safetensors",
                        "checkpoints/step_000020.safetensors", "checkpoints/latest.safetensors"}) {
    INFO(f);
    CHECK(fs::is_regular_file(dir / f));
  }
  CHECK(gan::read_spec_file((dir / "spec.resolved.json").string()) ==
        gan::resolve_spec(tiny_spec(out)));
  const std::vector<json> m = metrics(dir.string());
  REQUIRE(m.size() == 20);
  for (const char* k : {"step", "epoch", "lr_G", "lr_D", "d_loss", "g_loss", "d_real", "d_fake"})
    CHECK(m.back().contains(k));
  CHECK(m.back()["step"] == 20);
  CHECK(m.back()["epoch"] == 1);  // 40 examples / batch 4 = 10 steps per epoch
  CHECK(m[9]["lr_G"] == 2e-4);    // linear decay from step 10 on, towards 0 at step 20
  CHECK(m[19]["lr_G"].get<double>() == Approx(2e-4 / 11));
  const gan::RunCheckpoint c = gan::load_run_checkpoint(dir.string());
  CHECK(c.step == 20);
  CHECK(c.spec == gan::resolve_spec(tiny_spec(out)));
  for (const char* k : {"G.main.0.weight", "D.main.0.weight", "opt_G.exp_avg.0", "opt_G.step",
                        "opt_D.exp_avg_sq.0"}) {
    INFO(k);
    CHECK(c.tensors.count(k));
  }
  CHECK(c.tensors.at("opt_G.step").item() == 20);
}

TEST_CASE("train: stopping and resuming is bit-identical to one run", "[trainer]") {
  REQUIRE_FASHION();
  const std::string a = out_dir("whole"), b = out_dir("resumed");
  run(tiny_spec(a));
  // Stops mid-epoch (epoch 1, batch 3), between checkpoints, inside the lr decay.
  const gan::TrainResult first = run(tiny_spec(b), 13);
  CHECK(first.interrupted);
  CHECK(first.steps_done == 13);
  const std::string dir_b = (fs::path(b) / "tiny").string();
  CHECK(gan::load_run_checkpoint(dir_b).step == 13);
  const gan::TrainResult second = run(tiny_spec(b), -1, dir_b);
  CHECK(second.steps_done == 20);
  const std::string dir_a = (fs::path(a) / "tiny").string();
  check_same_losses(metrics(dir_a), metrics(dir_b));
  check_same_state(gan::load_run_checkpoint(dir_a).tensors,
                   gan::load_run_checkpoint(dir_b).tensors);
}

TEST_CASE("train: CycleGAN steps resume bit-identically, image pools included", "[trainer]") {
  REQUIRE_FASHION();
  const std::string a = out_dir("cyc_whole"), b = out_dir("cyc_resumed");
  run(tiny_cyclegan(a));
  run(tiny_cyclegan(b), 5);
  const std::string dir_b = (fs::path(b) / "tiny").string();
  const gan::RunCheckpoint mid = gan::load_run_checkpoint(dir_b);
  CHECK(mid.tensors.count("pool_D2.2"));  // 5 steps x 2 fake A's fill D_B's pool of 3
  CHECK(mid.tensors.count("pool_D.2"));
  CHECK(mid.tensors.count("opt_G2.exp_avg.0"));
  CHECK(mid.tensors.count("G2.model.1.weight"));
  run(tiny_cyclegan(b), -1, dir_b);
  const std::string dir_a = (fs::path(a) / "tiny").string();
  const std::vector<json> m = metrics(dir_a);
  for (const char* k : {"g_A", "g_B", "cycle_A", "cycle_B", "idt_A", "idt_B", "d_A", "d_B"})
    CHECK(m.back().contains(k));
  check_same_losses(m, metrics(dir_b));
  check_same_state(gan::load_run_checkpoint(dir_a).tensors,
                   gan::load_run_checkpoint(dir_b).tensors);
}

TEST_CASE("train: pix2pix on edges -> item trains and writes its grid", "[trainer]") {
  REQUIRE_FASHION();
  const std::string out = out_dir("pix2pix");
  const json s = tiny_pix2pix(out);
  const gan::TrainResult r = run(s);
  CHECK(r.steps_done == 4);
  const std::vector<json> m = metrics(r.run_dir);
  REQUIRE(m.size() == 4);
  CHECK(std::isfinite(m.back()["g_l1"].get<double>()));
  CHECK(m.back()["g_l1"].get<double>() > 0);
  CHECK(fs::is_regular_file(fs::path(r.run_dir) / "samples" / "step_000004.png"));
}

TEST_CASE("train: a run directory is never overwritten, a resume must match", "[trainer]") {
  REQUIRE_FASHION();
  const std::string out = out_dir("protect");
  json s = tiny_spec(out);
  s["schedule"] = {{"steps", 3}};
  run(s);
  const fs::path latest = fs::path(out) / "tiny" / "checkpoints" / "latest.safetensors";
  const auto size = fs::file_size(latest);
  CHECK_THROWS_WITH(run(s), Contains("already holds a run") && Contains("--resume"));
  CHECK(fs::file_size(latest) == size);

  json changed = s;
  changed["optim"]["G"]["lr"] = 1e-3;
  CHECK_THROWS_WITH(run(changed, -1, (fs::path(out) / "tiny").string()),
                    Contains("/optim/G/lr") && Contains("schedule.steps"));
  // Longer is allowed: the run continues from step 3.
  json longer = s;
  longer["schedule"]["steps"] = 5;
  CHECK(run(longer, -1, (fs::path(out) / "tiny").string()).steps_done == 5);

  CHECK_THROWS_WITH(run(s, -1, out_dir("empty")), Contains("nothing to resume"));
  // A damaged checkpoint is reported with its path and left in place.
  {
    std::fstream f(latest, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-4, std::ios::end);
    f.write("\xff\xff\xff\xff", 4);
  }
  CHECK_THROWS_WITH(run(longer, -1, (fs::path(out) / "tiny").string()), Contains(latest.string()));
  CHECK(fs::exists(latest));
}

namespace {

// Raises SIGINT after a given step, as a user's Ctrl-C would, and counts the hooks it sees.
class Probe : public gan::Technique {
 public:
  explicit Probe(int64_t interrupt_at, bool own_step = false)
      : interrupt_at_(interrupt_at), own_step_(own_step) {}
  std::string name() const override { return "probe"; }
  void setup(gan::Run& run) override {
    ++setups;
    (void)run;
  }
  bool step(gan::Run& run, const data::Batch& batch, gan::Scalars& log) override {
    if (!own_step_) return false;
    log = gan::task_step(run, batch, this);
    log.push_back({"own", 1.0});
    return true;
  }
  Tensor g_loss(gan::Run& run, gan::StepTensors& t, const Tensor& loss,
                gan::Scalars& log) override {
    ++g_calls;
    CHECK(t.fake.requires_grad());
    log.push_back({"extra_g", 0.0});
    return loss + mean(t.fake) * 0.0;
  }
  Tensor d_loss(gan::Run& run, gan::StepTensors& t, const Tensor& loss,
                gan::Scalars& log) override {
    ++d_calls;
    CHECK_FALSE(t.fake.requires_grad());
    return loss;
  }
  void after_step(gan::Run& run) override {
    if (run.step == interrupt_at_) std::raise(SIGINT);
  }
  int setups = 0, g_calls = 0, d_calls = 0;

 private:
  int64_t interrupt_at_;
  bool own_step_;
};

}  // namespace

TEST_CASE("train: SIGINT finishes the step, saves and stops; techniques see every hook",
          "[trainer]") {
  REQUIRE_FASHION();
  const std::string out = out_dir("sigint");
  const auto before = std::signal(SIGINT, SIG_IGN);
  std::signal(SIGINT, before);
  auto p = std::make_shared<Probe>(6);
  gan::TrainOptions o;
  o.quiet = true;
  o.technique = p;
  const gan::TrainResult r = gan::train(gan::resolve_spec(tiny_spec(out)), std::move(o));
  CHECK(r.interrupted);
  CHECK(r.signal == SIGINT);
  CHECK(r.steps_done == 6);
  CHECK(gan::load_run_checkpoint(r.run_dir).step == 6);
  CHECK(p->setups == 1);
  CHECK(p->g_calls == 6);
  CHECK(p->d_calls == 6);
  CHECK(metrics(r.run_dir).back().contains("extra_g"));
  // The run's handler is gone: the one from before the run is back.
  const auto after = std::signal(SIGINT, before);
  CHECK(after == before);

  const gan::TrainResult rest =
      run(tiny_spec(out), -1, r.run_dir, std::make_unique<Probe>(-1, true));
  CHECK(rest.steps_done == 20);
  CHECK(metrics(r.run_dir).back()["own"] == 1.0);
}

TEST_CASE(
    "train: every Fashion-MNIST example spec trains, resumes bit-identically, writes its grid",
    "[trainer]") {
  REQUIRE_FASHION();
  int trained = 0;
  const auto whole = example_specs_one_step(out_dir("examples_whole"));
  const auto split = example_specs_one_step(out_dir("examples_split"));
  REQUIRE(whole.size() == split.size());
  for (size_t i = 0; i < whole.size(); ++i) {
    const std::string& file = whole[i].first;
    INFO(file);
    json a = whole[i].second, b = split[i].second;
    a["schedule"]["steps"] = b["schedule"]["steps"] = 2;
    const gan::TrainResult r = run(a);
    CHECK(r.steps_done == 2);
    if (a.value("task", std::string("gan")) == "gan")
      CHECK(fs::is_regular_file(fs::path(r.run_dir) / "samples" / "step_000002.png"));
    const gan::TrainResult first = run(b, 1);
    CHECK(run(b, -1, first.run_dir).steps_done == 2);
    check_same_losses(metrics(r.run_dir), metrics(first.run_dir));
    check_same_state(gan::load_run_checkpoint(r.run_dir).tensors,
                     gan::load_run_checkpoint(first.run_dir).tensors);
    ++trained;
  }
  CHECK(trained >= 8);
}

TEST_CASE("train: device cuda is refused with the reason where no GPU answers", "[trainer]") {
  std::string why;
  if (cuda_available(&why)) {
    WARN("a GPU answers here: training on it is tested by test_cuda [train]");
    return;
  }
  const std::string out = out_dir("no_gpu");
  json s = tiny_spec(out);
  s["device"] = "cuda";
  CHECK_THROWS_WITH(run(s), Contains("/device: \"cuda\" is not available") && Contains(why));
  CHECK_FALSE(fs::exists(fs::path(out) / "tiny"));  // refused before the run dir is made
}
