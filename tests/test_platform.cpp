// The trainer as the platform techniques plug into (gan/train/): loss hooks that add or replace,
// networks a technique trains (stepping with G), technique state, the deploy network, frozen
// teachers and init_from by network reference (and their errors), feature capture through a
// step, declared parameters, the generic export. The techniques here are the tests' own,
// registered unlisted, on the tiny runs of trainer_fixtures.h.
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "engine/sha256.h"
#include "gan/train/spec.h"
#include "gan/train/trainer.h"
#include "nn/capture.h"
#include "nn/layers.h"
#include "nn/scope.h"
#include "trainer_fixtures.h"

using namespace ganlite;
using namespace ganlite::test;
using Catch::Matchers::Contains;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// Adds weight * mean(fake^2) to G's loss; d_zero replaces D's loss by zero times itself.
class ExtraLoss : public gan::Technique {
 public:
  explicit ExtraLoss(const json& spec)
      : weight_(spec["technique"]["params"]["weight"]),
        d_zero_(spec["technique"]["params"]["d_zero"]) {}
  std::string name() const override { return "test_extra"; }
  Tensor g_loss(gan::Run&, gan::StepTensors& t, const Tensor& loss, gan::Scalars&) override {
    return loss + mean(t.fake * t.fake) * weight_;
  }
  Tensor d_loss(gan::Run&, gan::StepTensors&, const Tensor& loss, gan::Scalars&) override {
    return d_zero_ ? loss * 0.0 : loss;
  }

 private:
  double weight_;
  bool d_zero_;
};

const gan::RegisterTechnique extra_registration{[] {
  gan::TechniqueInfo i;
  i.name = "test_extra";
  i.summary = "tests: an extra G loss term; D's loss replaced";
  i.params = {gan::fields::number("weight", 0.0, 0, false, 1e9, false, "weight of mean(fake^2)"),
              gan::fields::boolean("d_zero", false, "replace D's loss by 0 * loss")};
  i.make = [](const json& s) { return std::make_unique<ExtraLoss>(s); };
  i.listed = false;
  return i;
}()};

// A student with G's architecture distilled from G's output (or a teacher's), and a 1x1 adapter
// from the student's main.5 feature to G's (both stepping with G); the deploy network is the
// student. State: the number of G losses it built.
class Student : public gan::Technique {
 public:
  explicit Student(const json& spec) : p_(spec["technique"]["params"]) {}
  std::string name() const override { return "test_student"; }
  void setup(gan::Run& run) override {
    const json model = run.net("G").model;
    run.add_trainable("student", gan::make_described_model(model), "student", model, {}, "G");
    run.add_trainable("adapter", std::make_shared<nn::Conv2d>(8, 8, nn::Pair{1, 1}), "adapter",
                      nullptr, {}, "G");
    if (p_["deploy"].get<bool>()) run.deploy = "student";
  }
  std::vector<gan::CaptureRequest> captures(const gan::Run&) const override {
    return {{"G", {"main.5"}}};
  }
  Tensor g_loss(gan::Run& run, gan::StepTensors& t, const Tensor& loss,
                gan::Scalars& log) override {
    const nn::FeatureCapture& g = *t.features.at("G");
    REQUIRE(g.calls("main.5").size() == 1);  // G ran once in a generation step
    nn::Module& student = run.module("student");
    nn::FeatureCapture s(student, {"main.5"});
    const Tensor out = gan::forward_with_labels(student, t.z, t.labels);
    Tensor target = t.fake.detach();
    if (run.find("G_t")) {
      NoGradGuard ng;
      target = run.module("G_t")(t.z);
    }
    const Tensor l_out = mse_loss(out, target);
    const Tensor l_feat =
        mse_loss(run.module("adapter")(s.at("main.5", 0)), g.at("main.5", 0).detach());
    log.push_back({"student_out", l_out.item()});
    calls_ += 1;
    return loss + l_out * p_["weight_out"].get<double>() + l_feat * p_["weight_feat"].get<double>();
  }
  TensorMap state() const override { return {{"calls", full({1}, calls_, DType::f64)}}; }
  void load_state(const TensorMap& s) override { calls_ = s.at("calls").item(); }

 private:
  json p_;
  double calls_ = 0;
};

const gan::RegisterTechnique student_registration{[] {
  gan::TechniqueInfo i;
  i.name = "test_student";
  i.summary = "tests: a student distilled from G, an adapter, the student deployed";
  i.params = {gan::fields::number("weight_out", 1.0, 0, false, 1e9, false, "output term"),
              gan::fields::number("weight_feat", 1.0, 0, false, 1e9, false, "feature term"),
              gan::fields::boolean("deploy", true, "deploy the student"),
              gan::fields::nullable(gan::fields::net_ref("teacher", "G_t", "a teacher G"))};
  i.networks = {{"student", "G's architecture"}, {"adapter", "a 1x1 conv"}};
  i.make = [](const json& s) { return std::make_unique<Student>(s); };
  i.listed = false;
  return i;
}()};

// A frozen teacher D whose judgement of G's samples is an extra G term (DGL-GAN's plain form).
class TeacherD : public gan::Technique {
 public:
  explicit TeacherD(const json& spec) : alpha_(spec["technique"]["params"]["alpha"]) {}
  std::string name() const override { return "test_teacher_d"; }
  Tensor g_loss(gan::Run& run, gan::StepTensors& t, const Tensor& loss,
                gan::Scalars& log) override {
    const Tensor term = gan::g_loss(run.mode, run.module("D_t")(t.fake));
    log.push_back({"g_teacher", term.item()});
    return loss + term * alpha_;
  }

 private:
  double alpha_;
};

const gan::RegisterTechnique teacher_registration{[] {
  gan::TechniqueInfo i;
  i.name = "test_teacher_d";
  i.summary = "tests: a frozen teacher D guides G";
  i.params = {gan::fields::net_ref("teacher", "D_t", "the teacher D"),
              gan::fields::number("alpha", 1.0, 0, false, 1e9, false, "teacher-term weight")};
  i.make = [](const json& s) { return std::make_unique<TeacherD>(s); };
  i.listed = false;
  return i;
}()};

// Records G's captured calls in an unpaired step.
class UnpairedProbe : public gan::Technique {
 public:
  std::string name() const override { return "test_unpaired_probe"; }
  std::vector<gan::CaptureRequest> captures(const gan::Run&) const override {
    return {{"G", {"model"}}};
  }
  Tensor g_loss(gan::Run&, gan::StepTensors& t, const Tensor& loss, gan::Scalars&) override {
    const auto& calls = t.features.at("G")->calls("model");
    counts.push_back(static_cast<int64_t>(calls.size()));
    first_is_fake_b.push_back(calls.at(0).to_vector<float>() == t.fake.to_vector<float>());
    fake_a_defined.push_back(t.fake_a.defined() && t.fake_a.requires_grad());
    return loss;
  }
  std::vector<int64_t> counts;
  std::vector<bool> first_is_fake_b, fake_a_defined;
};

const gan::RegisterTechnique probe_registration{[] {
  gan::TechniqueInfo i;
  i.name = "test_unpaired_probe";
  i.summary = "tests: what an unpaired step captures";
  i.make = [](const json&) { return std::make_unique<UnpairedProbe>(); };
  i.listed = false;
  return i;
}()};

// A teacher pair trained online beside the run's G and D: each step the task's step on the
// teacher pair (its own Roles), then on the student pair.
class OnlineTeacher : public gan::Technique {
 public:
  std::string name() const override { return "test_online"; }
  void setup(gan::Run& run) override {
    for (const char* role : {"G", "D"}) {
      const json model = run.net(role).model;
      run.add_trainable(std::string(role) + "_t", gan::make_described_model(model),
                        std::string(role) + "_t", model);
    }
  }
  bool step(gan::Run& run, const data::Batch& batch, gan::Scalars& log) override {
    gan::Roles teacher;
    teacher.G = "G_t";
    teacher.D = "D_t";
    log = gan::prefixed("teacher_", gan::task_step(run, batch, nullptr, teacher));
    for (auto& kv : gan::task_step(run, batch, this)) log.push_back(kv);
    return true;
  }
};

const gan::RegisterTechnique online_registration{[] {
  gan::TechniqueInfo i;
  i.name = "test_online";
  i.summary = "tests: a teacher pair trained online by the task's own step";
  i.networks = {{"G_t", "the teacher G"}, {"D_t", "the teacher D"}};
  i.make = [](const json&) { return std::make_unique<OnlineTeacher>(); };
  i.listed = false;
  return i;
}()};

json with_technique(json s, const std::string& name, json params = json::object()) {
  s["technique"] = {{"name", name}, {"params", std::move(params)}};
  return s;
}

double norm_of(const Tensor& t) {
  double s = 0;
  for (double v : t.to(DType::f64).to_vector<double>()) s += v * v;
  return std::sqrt(s);
}

// Every tensor of `net` equal to the checkpoint's "<prefix>..." tensors.
bool equals_checkpoint(nn::Module& net, const TensorMap& tensors, const std::string& prefix) {
  for (const auto& [k, t] : net.state_dict())
    if (!tensors.count(prefix + k) || !same(t, tensors.at(prefix + k))) return false;
  return true;
}

// A trained tiny DCGAN (4 steps, checkpoints at 2 and 4) to serve as teacher or source.
std::string trained_source(const std::string& name) {
  json s = tiny_spec(out_dir(name));
  s["schedule"] = {{"steps", 4}};
  s["logging"]["checkpoint_every"] = 2;
  return run(s).run_dir;
}

}  // namespace

TEST_CASE("platform: a zero extra loss leaves training bit-identical; a non-zero one changes G",
          "[platform]") {
  REQUIRE_FASHION();
  json base = tiny_spec(out_dir("extra_plain"));
  base["schedule"] = {{"steps", 6}};
  const gan::TrainResult plain = run(base);
  json zero = with_technique(tiny_spec(out_dir("extra_zero")), "test_extra");
  zero["schedule"] = base["schedule"];
  const gan::TrainResult z = run(zero);
  check_same_losses(metrics(plain.run_dir), metrics(z.run_dir));
  const TensorMap a = gan::load_run_checkpoint(plain.run_dir).tensors,
                  b = gan::load_run_checkpoint(z.run_dir).tensors;
  check_same_state(a, b);

  json some = with_technique(tiny_spec(out_dir("extra_some")), "test_extra", {{"weight", 1.0}});
  some["schedule"] = base["schedule"];
  const TensorMap c = gan::load_run_checkpoint(run(some).run_dir).tensors;
  CHECK_FALSE(same(a.at("G.main.0.weight"), c.at("G.main.0.weight")));
}

TEST_CASE("platform: a D loss the technique replaces is the one optimised", "[platform]") {
  REQUIRE_FASHION();
  json s = with_technique(tiny_spec(out_dir("replace_d")), "test_extra", {{"d_zero", true}});
  s["schedule"] = {{"steps", 3}};
  s["optim"]["D"] = {{"type", "sgd"}, {"lr", 0.1}};
  gan::Run init(gan::resolve_spec(s));  // the same seed: the initial weights of the run
  const auto before = init.module("D").named_parameters();
  const TensorMap g_before = init.module("G").state_dict();
  const gan::RunCheckpoint c = gan::load_run_checkpoint(run(s).run_dir);
  // SGD on a loss of 0 * L: D's parameters did not move (its BatchNorm statistics did).
  for (const auto& [k, t] : before) {
    INFO(k);
    CHECK(same(t, c.tensors.at("D." + k)));
  }
  CHECK_FALSE(same(g_before.at("main.0.weight"), c.tensors.at("G.main.0.weight")));
}

TEST_CASE("platform: technique networks and state resume bit-identically; the student deploys",
          "[platform]") {
  REQUIRE_FASHION();
  const std::string out_a = out_dir("student_whole"), out_b = out_dir("student_split");
  auto spec = [](const std::string& out) {
    json s = with_technique(tiny_spec(out), "test_student");
    s["schedule"] = {{"steps", 8}, {"decay", "linear"}, {"decay_start", 4}};
    s["optim"]["adapter"] = {{"lr", 1e-3}};
    return s;
  };
  const gan::TrainResult whole = run(spec(out_a));
  const gan::TrainResult first = run(spec(out_b), 3);
  REQUIRE(first.steps_done == 3);
  run(spec(out_b), -1, first.run_dir);
  const gan::RunCheckpoint a = gan::load_run_checkpoint(whole.run_dir);
  const gan::RunCheckpoint b = gan::load_run_checkpoint(first.run_dir);
  check_same_losses(metrics(whole.run_dir), metrics(first.run_dir));
  check_same_state(a.tensors, b.tensors);
  for (const char* k : {"student.main.0.weight", "adapter.weight", "opt_student.exp_avg.0",
                        "opt_adapter.step", "technique.calls"}) {
    INFO(k);
    CHECK(a.tensors.count(k));
  }
  CHECK(a.tensors.at("technique.calls").item() == 8);
  CHECK(a.tensors.at("opt_adapter.step").item() == 8);  // stepped with G, every step
  // Each section's learning rate, decayed by the one schedule.
  const json last = metrics(whole.run_dir).back();
  CHECK(last["lr_student"].get<double>() == Approx(2e-4 / 5));
  CHECK(last["lr_adapter"].get<double>() == Approx(1e-3 / 5));
  CHECK(last.contains("student_out"));
  // The spec gained an optimizer section per declared network, with the defaults.
  CHECK(a.spec["optim"]["student"]["lr"] == 2e-4);
  CHECK(a.spec["technique"]["params"]["weight_out"] == 1.0);
  CHECK(a.spec["technique"]["params"]["teacher"].is_null());

  // The deploy network: the student, by default, for load_network (infer, eval) and the grids.
  CHECK(gan::deploy_network(a) == "student");
  nn::ModulePtr deployed = gan::load_network(a);
  CHECK(equals_checkpoint(*deployed, a.tensors, "student."));
  CHECK(fs::is_regular_file(fs::path(whole.run_dir) / "samples" / "step_000008.png"));
  CHECK_THAT(error_of([&] { gan::load_network(a, "adapter"); }),
             Contains("'adapter' has no model description"));
  CHECK_THAT(error_of([&] { gan::load_network(a, "nope"); }),
             Contains("no network 'nope'") && Contains("it holds: G, D, student, adapter"));

  // The generic export: the deploy network, built and strictly loaded, readable as a checkpoint.
  const std::string file = out_a + "/student.safetensors";
  const Safetensors e = gan::export_networks(a, {gan::deploy_network(a)});
  save_safetensors(file, e.tensors, e.metadata);
  const gan::RunCheckpoint x = gan::load_run_checkpoint(file);
  CHECK(gan::stored_networks(x) == std::vector<std::string>{"student"});
  CHECK(gan::deploy_network(x) == "student");
  CHECK(equals_checkpoint(*gan::load_network(x), a.tensors, "student."));
  gan::RunCheckpoint bad = a;
  bad.tensors["student.main.0.weight"] = zeros({2, 2});
  CHECK_THAT(error_of([&] { gan::export_networks(bad, {"student"}); }),
             Contains("student.main.0.weight") || Contains("main.0.weight (checkpoint [2, 2]"));
}

TEST_CASE("platform: a technique runs the task's step on networks of its own (an online teacher)",
          "[platform]") {
  REQUIRE_FASHION();
  auto spec = [](const std::string& out) {
    json s = with_technique(tiny_spec(out), "test_online");
    s["schedule"] = {{"steps", 4}};
    s["optim"]["G_t"] = {{"lr", 1e-3}};
    return s;
  };
  const std::string split = out_dir("online_split");
  const gan::TrainResult whole = run(spec(out_dir("online_whole")));
  const gan::TrainResult first = run(spec(split), 2);
  run(spec(split), -1, first.run_dir);
  const gan::RunCheckpoint a = gan::load_run_checkpoint(whole.run_dir);
  check_same_state(a.tensors, gan::load_run_checkpoint(first.run_dir).tensors);
  check_same_losses(metrics(whole.run_dir), metrics(first.run_dir));
  const json last = metrics(whole.run_dir).back();
  for (const char* k : {"teacher_d_loss", "teacher_g_loss", "d_loss", "g_loss", "lr_G_t"}) {
    INFO(k);
    CHECK(last.contains(k));
  }
  CHECK(last["lr_G_t"] == 1e-3);
  // Each pair stepped by its own optimizers, once per step.
  for (const char* k : {"opt_G.step", "opt_D.step", "opt_G_t.step", "opt_D_t.step"}) {
    INFO(k);
    CHECK(a.tensors.at(k).item() == 4);
  }
  CHECK_FALSE(same(a.tensors.at("G.main.0.weight"), a.tensors.at("G_t.main.0.weight")));
}

TEST_CASE("platform: a frozen teacher never changes nor gets a gradient; gradients pass through it",
          "[platform]") {
  REQUIRE_FASHION();
  const std::string teacher_run = trained_source("teacher_src");
  const gan::RunCheckpoint tc = gan::load_run_checkpoint(teacher_run);
  json s = with_technique(tiny_spec(out_dir("teacher_student")), "test_teacher_d",
                          {{"teacher", {{"run", teacher_run}, {"net", "D"}}}});
  const json resolved = gan::resolve_spec(s);
  gan::Run run_(resolved);
  auto tech = gan::make_technique(resolved);
  tech->setup(run_);
  nn::Module& teacher = run_.module("D_t");
  CHECK_FALSE(run_.net("D_t").trainable());
  CHECK_FALSE(teacher.is_training());  // eval mode: BatchNorm statistics frozen
  CHECK(equals_checkpoint(teacher, tc.tensors, "D."));
  CHECK(run_.net("D_t").source->sha256 ==
        sha256_file(teacher_run + "/checkpoints/latest.safetensors"));
  CHECK(run_.net("D_t").source->step == 4);

  auto ds = gan::make_dataset(resolved);
  data::LoaderOptions lo;
  lo.batch_size = 4;
  lo.drop_last = true;
  data::Loader loader(ds, lo);
  for (int k = 0; k < 4; ++k) {
    data::Batch b = *loader.next();
    const gan::Scalars log = gan::task_step(run_, b, tech.get());
    CHECK(std::find_if(log.begin(), log.end(), [](auto& e) { return e.first == "g_teacher"; }) !=
          log.end());
  }
  CHECK(equals_checkpoint(teacher, tc.tensors, "D."));
  CHECK_FALSE(teacher.is_training());
  for (const Tensor& p : teacher.parameters()) {
    CHECK_FALSE(p.requires_grad());
    CHECK_FALSE(p.grad().defined());
  }
  // The teacher term alone: G's parameters get a gradient through D_t, D_t's none.
  run_.module("G").zero_grad();
  Tensor fake = run_.module("G")(run_.sample_latent(4));
  Tensor term = gan::g_loss(run_.mode, teacher(fake));
  const Tensor d_fake = grad({term}, {fake}, {}, true)[0];
  CHECK(norm_of(d_fake) > 0);
  term.backward();
  double g_norm = 0;
  for (const Tensor& p : run_.module("G").parameters()) g_norm += norm_of(p.grad());
  CHECK(g_norm > 0);
  for (const Tensor& p : teacher.parameters()) CHECK_FALSE(p.grad().defined());
}

TEST_CASE("platform: bad teacher references are errors naming the field and what was found",
          "[platform]") {
  REQUIRE_FASHION();
  const std::string teacher_run = trained_source("bad_teacher_src");
  auto attempt = [](const json& teacher) {
    json s =
        with_technique(tiny_spec(out_dir("bad_teacher")), "test_teacher_d", {{"teacher", teacher}});
    return error_of([&] { run(s); });
  };
  CHECK_THAT(attempt({{"run", "/nonexistent/run"}}),
             Contains("/technique/params/teacher/run: /nonexistent/run: no such run directory"));
  {
    // A spec error (the CLI exits 2), thrown before the run directory is made.
    const std::string out = out_dir("bad_teacher_type");
    json s = with_technique(tiny_spec(out), "test_teacher_d",
                            {{"teacher", {{"run", "/nonexistent/run"}}}});
    CHECK_THROWS_AS(run(s), gan::SpecError);
    CHECK_FALSE(fs::exists(fs::path(out) / "tiny"));
  }
  CHECK_THAT(attempt({{"run", teacher_run}, {"net", "D"}, {"step", 3}}),
             Contains("/technique/params/teacher/step: ") && Contains("no checkpoint at step 3") &&
                 Contains("it has: ") && Contains("step_000002"));
  CHECK_THAT(attempt({{"run", teacher_run}, {"net", "D9"}}),
             Contains("/technique/params/teacher/net: ") &&
                 Contains("has no network 'D9' (it holds: G, D)"));
  CHECK_THAT(attempt({{"file", "/nonexistent.safetensors"}}),
             Contains("/technique/params/teacher/file: /nonexistent.safetensors: no such file"));
  CHECK_THAT(attempt({{"run", teacher_run}, {"bogus", 1}}),
             Contains("/technique/params/teacher/bogus: unknown key 'bogus'"));
  CHECK_THAT(attempt(nullptr), Contains("/technique/params/teacher: expected a network reference"));

  // A plain state_dict (as PyTorch writes one): it needs a description, and must fit it.
  const gan::RunCheckpoint tc = gan::load_run_checkpoint(teacher_run);
  TensorMap plain;
  for (const auto& [k, t] : tc.tensors)
    if (k.rfind("D.", 0) == 0) plain["netD." + k.substr(2)] = t;
  const std::string file = out_dir("plain_teacher") + "/d.safetensors";
  save_safetensors(file, plain);
  CHECK_THAT(attempt({{"file", file}, {"prefix", "netD."}}),
             Contains("/technique/params/teacher/model: " + file + " is a plain state_dict"));
  const json described = {{"name", "dcgan_discriminator"},
                          {"options", {{"input_nc", 1}, {"ndf", 8}, {"image_size", 32}}}};
  CHECK_THAT(attempt({{"file", file}, {"prefix", "netD."}, {"model", described}}),
             Contains("/technique/params/teacher: " + file + " does not fit dcgan_discriminator") &&
                 Contains("main.0.weight (checkpoint [4, 1, 4, 4], model [8, 1, 4, 4])"));
  CHECK_THAT(attempt({{"file", file}, {"prefix", "D."}, {"model", described}}),
             Contains("/technique/params/teacher/prefix: " + file + " has no tensor named 'D.") &&
                 Contains("netD.main.0.weight"));
  json fits = described;
  fits["options"]["ndf"] = 4;
  CHECK(attempt({{"file", file}, {"prefix", "netD."}, {"model", fits}}) == "(no error)");
}

TEST_CASE("platform: a resume whose teacher changed stops and says so; a moved-on run is followed",
          "[platform]") {
  REQUIRE_FASHION();
  const std::string teacher_run = trained_source("pinned_src");
  const std::string copy = out_dir("pinned_copy") + "/teacher.safetensors";
  fs::copy_file(teacher_run + "/checkpoints/latest.safetensors", copy);
  const std::string out = out_dir("pinned_student");
  auto student = [&](const json& teacher) {
    json s = with_technique(tiny_spec(out), "test_teacher_d", {{"teacher", teacher}});
    s["schedule"] = {{"steps", 4}};
    return s;
  };
  // A file reference, then the file replaced before the resume.
  const json by_file = {{"file", copy}, {"net", "D"}};
  const gan::TrainResult first = run(student(by_file), 2);
  const gan::RunCheckpoint mid = gan::load_run_checkpoint(first.run_dir);
  const json nets = json::parse(mid.metadata.at("networks"));
  bool pinned = false;
  for (const json& n : nets)
    if (n["name"] == "D_t") pinned = n["source"]["sha256"] == sha256_file(copy);
  CHECK(pinned);
  fs::copy_file(teacher_run + "/checkpoints/step_000002.safetensors", copy,
                fs::copy_options::overwrite_existing);
  CHECK_THAT(error_of([&] { run(student(by_file), -1, first.run_dir); }),
             Contains("/technique/params/teacher: the referenced network changed since this run "
                      "started") &&
                 Contains(copy) && Contains("step 4"));

  // A run reference without a step: the teacher run trains on; the resume takes the checkpoint
  // of the step it started from while that exists.
  fs::remove_all(out);
  const json by_run = {{"run", teacher_run}, {"net", "D"}};
  const gan::TrainResult part = run(student(by_run), 2);
  json longer = tiny_spec("");
  longer["schedule"] = {{"steps", 6}};
  longer["logging"]["checkpoint_every"] = 2;
  longer["logging"]["out_dir"] = fs::path(teacher_run).parent_path().string();
  run(longer, -1, teacher_run);
  CHECK(gan::load_run_checkpoint(teacher_run).step == 6);
  CHECK(run(student(by_run), 3, part.run_dir).steps_done == 3);
  fs::remove(teacher_run + "/checkpoints/step_000004.safetensors");
  CHECK_THAT(error_of([&] { run(student(by_run), -1, part.run_dir); }),
             Contains("/technique/params/teacher: the referenced network changed"));
}

TEST_CASE("platform: init_from starts a network from a trained one, strictly; a resume skips it",
          "[platform]") {
  REQUIRE_FASHION();
  const std::string source = trained_source("init_src");
  const gan::RunCheckpoint sc = gan::load_run_checkpoint(source);
  json s = tiny_spec(out_dir("init_dst"));
  s["model"]["G"]["init_from"] = {{"run", source}};
  {
    gan::Run r(gan::resolve_spec(s));
    CHECK(equals_checkpoint(r.module("G"), sc.tensors, "G."));
    CHECK_FALSE(equals_checkpoint(r.module("D"), sc.tensors, "D."));
    CHECK(r.net("G").source->step == 4);
  }
  // From a plain state_dict under a prefix.
  TensorMap plain;
  for (const auto& [k, t] : sc.tensors)
    if (k.rfind("G.", 0) == 0) plain["netG." + k.substr(2)] = t;
  const std::string file = out_dir("init_plain") + "/g.safetensors";
  save_safetensors(file, plain);
  json p = s;
  p["model"]["G"]["init_from"] = {{"file", file}, {"prefix", "netG."}};
  {
    gan::Run r(gan::resolve_spec(p));
    CHECK(equals_checkpoint(r.module("G"), sc.tensors, "G."));
  }
  // Strict: another architecture is an error naming the tensors and both shapes.
  json wide = s;
  wide["model"]["G"]["options"]["ngf"] = 8;
  CHECK_THAT(error_of([&] { gan::Run r(gan::resolve_spec(wide)); }),
             Contains("/model/G/init_from: the tensors of ") &&
                 Contains("do not fit this network") &&
                 Contains("mis-shaped keys: main.0.weight (checkpoint [8, 16, 4, 4], model [8, 32, "
                          "4, 4])"));
  // A resume does not need the source any more: the checkpoint holds the weights.
  const std::string out = out_dir("init_resume");
  json r = s;
  r["logging"]["out_dir"] = out;
  const gan::TrainResult first = run(r, 2);
  fs::remove_all(source);
  CHECK(run(r, -1, first.run_dir).steps_done == 20);
  // A spec check sees a reference that does not resolve.
  CHECK_THAT(error_of([&] { gan::Run x(gan::resolve_spec(s)); }),
             Contains("/model/G/init_from/run: " + source + ": no such run directory"));
}

TEST_CASE("platform: an unpaired run starts G and G2 from a run's G and G2", "[platform]") {
  REQUIRE_FASHION();
  json src = tiny_cyclegan(out_dir("cyc_src"));
  src["schedule"] = {{"steps", 2}};
  const std::string source = run(src).run_dir;
  const gan::RunCheckpoint sc = gan::load_run_checkpoint(source);
  json s = tiny_cyclegan(out_dir("cyc_dst"));
  s["model"]["G"]["init_from"] = {{"run", source}};
  s["model"]["D"]["init_from"] = {{"run", source}};
  gan::Run r(gan::resolve_spec(s));
  for (const char* n : {"G", "G2", "D", "D2"}) {
    INFO(n);
    CHECK(equals_checkpoint(r.module(n), sc.tensors, std::string(n) + "."));
  }
  s["model"]["G"]["init_from"]["net"] = "G";
  CHECK_THAT(error_of([&] { gan::Run x(gan::resolve_spec(s)); }),
             Contains("/model/G/init_from/net: an unpaired run starts G and G2"));
}

TEST_CASE("platform: a step's feature capture holds every call of G, in order", "[platform]") {
  REQUIRE_FASHION();
  json s = with_technique(tiny_cyclegan(out_dir("capture")), "test_unpaired_probe");
  s["schedule"] = {{"steps", 2}};
  auto probe = std::make_shared<UnpairedProbe>();
  gan::TrainOptions o;
  o.quiet = true;
  o.technique = probe;
  gan::train(gan::resolve_spec(s), o);
  // G(A), G(fake_A) for the cycle, G(B) for the identity term: three calls, the first G(A).
  CHECK(probe->counts == std::vector<int64_t>{3, 3});
  CHECK(probe->first_is_fake_b == std::vector<bool>{true, true});
  CHECK(probe->fake_a_defined == std::vector<bool>{true, true});
}

TEST_CASE("platform: technique parameters are declared, defaulted and checked like the spec",
          "[platform]") {
  json s = with_technique(tiny_spec(""), "osgan", {{"bogus", 1}});
  CHECK_THAT(error_of([&] { gan::resolve_spec(s); }),
             Contains("/technique/params/bogus: unknown key 'bogus'; did you mean"));
  s = with_technique(tiny_spec(""), "osgn");
  CHECK_THAT(
      error_of([&] { gan::resolve_spec(s); }),
      Contains("/technique/name: unknown technique \"osgn\"; known: crd, dgl, osgan, slimgan") &&
          Contains("did you mean \"osgan\"?"));
  // The tests' techniques are found but not listed.
  CHECK(gan::find_technique("test_student"));
  const auto names = gan::technique_names();
  CHECK(std::find(names.begin(), names.end(), "test_student") == names.end());
  // An optimizer section exists for the networks a technique declares, and only for those.
  s = with_technique(tiny_spec(""), "test_student");
  s["optim"]["adapter"] = {{"lr", 1e-3}};
  CHECK(gan::resolve_spec(s)["optim"]["student"]["type"] == "adam");
  s["optim"]["other"] = {{"lr", 1e-3}};
  CHECK_THAT(error_of([&] { gan::resolve_spec(s); }),
             Contains("/optim/other: unknown key 'other'"));
  // A teacher reference is structurally checked at resolution.
  s = with_technique(tiny_spec(""), "test_student", {{"teacher", {{"run", "x"}, {"file", "y"}}}});
  CHECK_THAT(error_of([&] { gan::resolve_spec(s); }),
             Contains("/technique/params/teacher: expected exactly one of \"run\""));
  s = with_technique(tiny_spec(""), "test_student", {{"teacher", {{"file", "y"}, {"step", 2}}}});
  CHECK_THAT(error_of([&] { gan::resolve_spec(s); }),
             Contains("/technique/params/teacher/step: only a run reference takes a step"));
}

TEST_CASE("platform: a format-1 unpaired checkpoint loads its networks but does not resume",
          "[platform]") {
  REQUIRE_FASHION();
  json s = tiny_cyclegan(out_dir("format1"));
  const gan::TrainResult first = run(s, 2);
  const std::string latest = first.run_dir + "/checkpoints/latest.safetensors";
  Safetensors st = load_safetensors(latest);
  st.metadata.erase("format_version");
  save_safetensors(latest, st.tensors, st.metadata);
  const gan::RunCheckpoint c = gan::load_run_checkpoint(latest);
  CHECK(gan::checkpoint_format(c) == 1);
  CHECK(gan::load_network(c, "G2"));
  CHECK_THAT(error_of([&] { run(s, -1, first.run_dir); }),
             Contains("format 1") && Contains("cannot resume"));
}
