// DGL-GAN (compress/dgl): the terms on fixed logits against hand-computed values, the hooks'
// composition (G's gradient = student's + alpha * teacher's), the frozen teacher, the stage
// switch and a resume across it, alpha 0 as plain training bit for bit, and the spec's errors.
// Tiny class-conditional SNGANs on real Fashion-MNIST batches (trainer_fixtures.h).
#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>

#include "compress/dgl/dgl.h"
#include "engine/autograd.h"
#include "engine/ops.h"
#include "gan/train/spec.h"
#include "gan/train/trainer.h"
#include "nn/data/loader.h"
#include "trainer_fixtures.h"

using namespace ganlite;
using namespace ganlite::test;
using Catch::Matchers::Contains;
using nlohmann::json;

namespace {

// A class-conditional SNGAN of width ch (G ch, D ndf), hinge loss, batch 4 over 40 images.
json tiny_sngan(const std::string& out, int64_t ch) {
  json s = tiny_spec(out);
  s["name"] = "sngan" + std::to_string(ch);
  s["model"]["G"] = {
      {"name", "sngan_generator"},
      {"options", {{"z_dim", 16}, {"ch", ch}, {"output_nc", 1}, {"num_classes", 10}}}};
  s["model"]["D"] = {{"name", "sngan_discriminator"},
                     {"options", {{"input_nc", 1}, {"ndf", ch}, {"num_classes", 10}}}};
  s["losses"] = {{"gan_mode", "hinge"}};
  s["optim"] = {{"G", {{"type", "adam"}, {"lr", 2e-4}, {"beta1", 0.0}, {"beta2", 0.9}}},
                {"D", {{"type", "adam"}, {"lr", 2e-4}, {"beta1", 0.0}, {"beta2", 0.9}}}};
  s["schedule"] = {{"steps", 6}};
  s["logging"]["checkpoint_every"] = 2;
  return s;
}

// A teacher: the width-8 SNGAN trained 4 steps.
std::string teacher_run(const std::string& name) {
  json s = tiny_sngan(out_dir(name), 8);
  s["schedule"] = {{"steps", 4}};
  return run(s).run_dir;
}

// The width-4 student with technique dgl.
json student(const std::string& out, const std::string& teacher, json params) {
  json s = tiny_sngan(out, 4);
  params["teacher"] = {{"run", teacher}, {"net", "D"}};
  s["technique"] = {{"name", "dgl"}, {"params", std::move(params)}};
  return s;
}

// Logistic loss with R1, what teacher_weighted_d requires.
json logistic_r1(json s) {
  s["losses"] = {{"gan_mode", "vanilla"}, {"r1_gamma", 1.0}, {"r1_interval", 2}};
  return s;
}

Tensor f64(std::vector<double> v) {
  const int64_t n = static_cast<int64_t>(v.size());
  return from_vector(v, {n});
}

// A copy of a module's tensors (state_dict shares their storage).
TensorMap snapshot(nn::Module& m) {
  TensorMap out;
  for (const auto& [k, t] : m.state_dict()) out[k] = t.clone();
  return out;
}

}  // namespace

TEST_CASE("dgl: each variant's term equals the hand-computed value on fixed logits", "[dgl]") {
  using compress::DglVariant;
  const Tensor t = f64({-2, 0.5, -1, 3});
  // plain: the run's G loss on D_t
  CHECK(compress::dgl_teacher_term(DglVariant::plain, gan::GanMode::hinge, t).item() ==
        Approx(-0.125).epsilon(1e-14));
  CHECK(compress::dgl_teacher_term(DglVariant::plain, gan::GanMode::vanilla, t).item() ==
        Approx(0.9907135085787611).epsilon(1e-14));
  // dbar: weights relu(-t) = (2, 0, 1, 0) on the per-logit loss
  CHECK(compress::dgl_teacher_term(DglVariant::dbar, gan::GanMode::hinge, t).item() ==
        Approx((2 * 2 + 1 * 1) / 4.0).epsilon(1e-14));
  CHECK(compress::dgl_teacher_term(DglVariant::dbar, gan::GanMode::vanilla, t).item() ==
        Approx(1.391779427401042).epsilon(1e-14));
  CHECK(compress::dgl_teacher_term(DglVariant::dbar, gan::GanMode::lsgan, t).item() ==
        Approx(5.5).epsilon(1e-14));
  // dbar's weights carry no gradient: d/dt = relu(-t) * d(-t)/dt / 4 for hinge
  Tensor x = t.detach().requires_grad_(true);
  const Tensor g =
      grad({compress::dgl_teacher_term(DglVariant::dbar, gan::GanMode::hinge, x)}, {x})[0];
  CHECK(g.to_vector<double>() == std::vector<double>{-0.5, -0.0, -0.25, -0.0});
  CHECK_THROWS_WITH(
      compress::dgl_teacher_term(DglVariant::teacher_weighted_d, gan::GanMode::vanilla, t),
      Contains("adds no term to G's loss"));

  // teacher_weighted_d: (1 - s(t_fake)) softplus(fake) + s(t_real) softplus(-real), means
  const Tensor real = f64({1, -1}), fake = f64({0.5, -2});
  Tensor t_real = f64({2, -1}).requires_grad_(true), t_fake = f64({0, 1}).requires_grad_(true);
  const Tensor w = compress::dgl_weighted_d_loss(real, fake, t_real, t_fake);
  CHECK(w.item() == Approx(0.5751425678359985).epsilon(1e-14));
  CHECK_FALSE(w.requires_grad());  // the teacher's side carries no gradient
  CHECK_THROWS_WITH(compress::dgl_weighted_d_loss(real, f64({1, 2, 3}), t_real, t_fake),
                    Contains("do not match the student's"));

  // mean(g_loss_elements) is g_loss, for every loss
  for (auto mode :
       {gan::GanMode::lsgan, gan::GanMode::vanilla, gan::GanMode::hinge, gan::GanMode::wgan})
    CHECK(mean(gan::g_loss_elements(mode, t)).item() ==
          Approx(gan::g_loss(mode, t).item()).epsilon(1e-14));
}

TEST_CASE("dgl: G's gradient is the student term's plus alpha times the teacher term's", "[dgl]") {
  REQUIRE_FASHION();
  const std::string teacher = teacher_run("dgl_grad_teacher");
  for (const char* variant : {"plain", "dbar"}) {
    INFO(variant);
    const double alpha = 0.3;
    const json spec =
        gan::resolve_spec(student(out_dir(std::string("dgl_grad_") + variant), teacher,
                                  {{"variant", variant}, {"alpha", alpha}, {"stage1_steps", 0}}));
    gan::Run r(spec);
    auto tech = gan::make_technique(spec);
    tech->setup(r);
    nn::Module &G = r.module("G"), &D = r.module("D"), &D_t = r.module("D_t");
    const std::vector<Tensor> params = G.parameters();
    gan::StepTensors t;
    t.z = r.sample_latent(4);
    t.labels = r.sample_labels(4);
    t.fake = gan::forward_with_labels(G, t.z, t.labels);
    const Tensor s_term = gan::g_loss(r.mode, gan::forward_with_labels(D, t.fake, t.labels));
    const Tensor t_term =
        compress::dgl_teacher_term(compress::parse_dgl_variant(variant), r.mode,
                                   gan::forward_with_labels(D_t, t.fake, t.labels));
    gan::Scalars log;
    const Tensor total = tech->g_loss(r, t, s_term, log);
    CHECK(total.item() == Approx(s_term.item() + alpha * t_term.item()).epsilon(1e-6));
    const auto gs = grad({s_term}, params, {}, true), gt = grad({t_term}, params, {}, true),
               gtot = grad({total}, params, {}, true);
    double worst = 0, scale = 0;
    for (size_t i = 0; i < params.size(); ++i) {
      const auto a = gtot[i].to(DType::f64).to_vector<double>();
      const auto b = (gs[i] + gt[i] * alpha).to(DType::f64).to_vector<double>();
      for (size_t k = 0; k < a.size(); ++k) {
        worst = std::max(worst, std::abs(a[k] - b[k]));
        scale = std::max(scale, std::abs(b[k]));
      }
    }
    CHECK(scale > 0);
    CHECK(worst <= 1e-5 * scale);
    // The teacher term moves G: its own gradient is not zero.
    double t_norm = 0;
    for (const Tensor& x : gt) t_norm += sum(x * x).item();
    CHECK(t_norm > 0);
    bool logged = false;
    for (auto& [k, v] : log) logged |= k == "g_loss_teacher" && v == Approx(t_term.item());
    CHECK(logged);
  }
}

TEST_CASE("dgl: the teacher D is bit-unchanged after training steps, and in eval mode", "[dgl]") {
  REQUIRE_FASHION();
  const std::string teacher = teacher_run("dgl_frozen_teacher");
  for (json params : {json{{"variant", "plain"}, {"stage1_steps", 0}},
                      json{{"variant", "teacher_weighted_d"}, {"stage1_steps", 0}}}) {
    json s = student(out_dir("dgl_frozen_student"), teacher, params);
    if (params["variant"] == "teacher_weighted_d") s = logistic_r1(s);
    const json spec = gan::resolve_spec(s);
    gan::Run r(spec);
    auto tech = gan::make_technique(spec);
    tech->setup(r);
    const TensorMap before = snapshot(r.module("D_t"));
    const TensorMap g_before = snapshot(r.module("G"));
    data::LoaderOptions lo;
    lo.batch_size = 4;
    lo.drop_last = true;
    data::Loader loader(gan::make_dataset(spec), lo);
    for (int k = 0; k < 4; ++k) {
      data::Batch b = *loader.next();
      gan::task_step(r, b, tech.get());
      ++r.step;
    }
    CHECK_FALSE(r.module("D_t").is_training());
    for (const auto& [k, v] : r.module("D_t").state_dict()) {
      INFO(k);  // weights and the spectral-norm vectors alike
      CHECK(same(v, before.at(k)));
    }
    for (const Tensor& p : r.module("D_t").parameters()) CHECK_FALSE(p.grad().defined());
    CHECK_FALSE(same(r.module("G").state_dict().at("l1.weight"), g_before.at("l1.weight")));
  }
}

TEST_CASE("dgl: alpha 0 for the whole run is plain training of the student, bit for bit", "[dgl]") {
  REQUIRE_FASHION();
  const std::string teacher = teacher_run("dgl_zero_teacher");
  for (const char* variant : {"plain", "dbar", "teacher_weighted_d"}) {
    INFO(variant);
    const bool twd = std::string(variant) == "teacher_weighted_d";
    json plain = tiny_sngan(out_dir(std::string("dgl_zero_plain_") + variant), 4);
    json zero = student(out_dir(std::string("dgl_zero_") + variant), teacher,
                        {{"variant", variant}, {"alpha", 0.0}, {"stage1_steps", 0}});
    if (twd) plain = logistic_r1(plain), zero = logistic_r1(zero);
    const gan::TrainResult a = run(plain), b = run(zero);
    check_same_losses(metrics(a.run_dir), metrics(b.run_dir));
    check_same_state(gan::load_run_checkpoint(a.run_dir).tensors,
                     gan::load_run_checkpoint(b.run_dir).tensors);
    const json last = metrics(b.run_dir).back();
    CHECK(last.contains("g_loss_teacher"));
    CHECK(last["dgl_alpha"] == 0.0);
    if (twd) CHECK(last.contains("d_loss_weighted"));
  }
}

TEST_CASE("dgl: the teacher term switches on at exactly stage1_steps; resume across it is exact",
          "[dgl]") {
  REQUIRE_FASHION();
  const std::string teacher = teacher_run("dgl_stage_teacher");
  for (const char* variant : {"plain", "teacher_weighted_d"}) {
    INFO(variant);
    const bool twd = std::string(variant) == "teacher_weighted_d";
    auto spec = [&](const std::string& out, double alpha) {
      json s = student(out, teacher, {{"variant", variant}, {"alpha", alpha}, {"stage1_steps", 3}});
      return twd ? logistic_r1(s) : s;
    };
    const std::string split = out_dir(std::string("dgl_stage_split_") + variant);
    const gan::TrainResult whole =
        run(spec(out_dir(std::string("dgl_stage_whole_") + variant), 0.5));
    const auto m = metrics(whole.run_dir);
    REQUIRE(m.size() == 6);
    for (size_t i = 0; i < m.size(); ++i) {
      INFO("step " << m[i]["step"]);
      CHECK(m[i]["dgl_stage"] == (i < 3 ? 1.0 : 2.0));
      CHECK(m[i]["dgl_alpha"] == (i < 3 ? 0.0 : 0.5));
    }
    // Stopped in stage 1, resumed into stage 2: the uninterrupted run's bits.
    const gan::TrainResult first = run(spec(split, 0.5), 2);
    run(spec(split, 0.5), -1, first.run_dir);
    check_same_losses(m, metrics(first.run_dir));
    const TensorMap w = gan::load_run_checkpoint(whole.run_dir).tensors;
    check_same_state(w, gan::load_run_checkpoint(first.run_dir).tensors);
    // Identical to alpha 0 through stage 1 (its checkpoint at step 2), different after.
    const gan::TrainResult zero = run(spec(out_dir(std::string("dgl_stage_zero_") + variant), 0.0));
    const TensorMap z = gan::load_run_checkpoint(zero.run_dir).tensors;
    check_same_state(
        gan::load_run_checkpoint(whole.run_dir + "/checkpoints/step_000002.safetensors").tensors,
        gan::load_run_checkpoint(zero.run_dir + "/checkpoints/step_000002.safetensors").tensors);
    const char* moved = twd ? "D.block1.c1.weight_orig" : "G.l1.weight";
    CHECK_FALSE(same(w.at(moved), z.at(moved)));
  }
}

TEST_CASE("dgl: spec errors name the field, and a mismatched teacher names both", "[dgl]") {
  REQUIRE_FASHION();
  const std::string teacher = teacher_run("dgl_spec_teacher");
  const std::string out = out_dir("dgl_spec");
  // Derived defaults.
  json r = gan::resolve_spec(student(out, teacher, json::object()));
  CHECK(r["technique"]["params"]["variant"] == "plain");
  CHECK(r["technique"]["params"]["alpha"] == 0.1);
  CHECK(r["technique"]["params"]["stage1_steps"] == 3);
  json v = student(out, teacher, json::object());
  v["losses"] = {{"gan_mode", "vanilla"}};
  CHECK(gan::resolve_spec(v)["technique"]["params"]["alpha"] == 0.5);
  CHECK(gan::resolve_spec(logistic_r1(student(
            out, teacher, {{"variant", "teacher_weighted_d"}})))["technique"]["params"]["alpha"] ==
        1.0);

  CHECK_THROWS_WITH(gan::resolve_spec(student(out, teacher, {{"variant", "teacher_weighted_d"}})),
                    Contains("/losses/gan_mode") && Contains("vanilla"));
  json no_r1 = student(out, teacher, {{"variant", "teacher_weighted_d"}});
  no_r1["losses"] = {{"gan_mode", "vanilla"}};
  CHECK_THROWS_WITH(gan::resolve_spec(no_r1), Contains("/losses/r1_gamma"));
  CHECK_THROWS_WITH(gan::resolve_spec(logistic_r1(student(
                        out, teacher, {{"variant", "teacher_weighted_d"}, {"alpha", 2.0}}))),
                    Contains("/technique/params/alpha") && Contains("[0, 1]"));
  CHECK_THROWS_WITH(gan::resolve_spec(student(out, teacher, {{"variant", "nope"}})),
                    Contains("/technique/params/variant"));
  json epochs = student(out, teacher, json::object());
  epochs["schedule"] = {{"epochs", 2}};
  CHECK_THROWS_WITH(gan::resolve_spec(epochs), Contains("/technique/params/stage1_steps"));
  json translation = student(out, teacher, json::object());
  translation["model"] = tiny_pix2pix(out)["model"];
  translation["data"] = tiny_pix2pix(out)["data"];
  CHECK_THROWS_WITH(gan::resolve_spec(translation),
                    Contains("/technique/name") && Contains("paired"));
  json missing = student(out, teacher, json::object());
  missing["technique"]["params"].erase("teacher");
  CHECK_THROWS_WITH(gan::resolve_spec(missing), Contains("/technique/params/teacher"));

  // A teacher for other data: an unconditional DCGAN D.
  json dc = tiny_spec(out_dir("dgl_spec_dcgan"));
  dc["schedule"] = {{"steps", 1}};
  const std::string dc_run = run(dc).run_dir;
  const json bad = gan::resolve_spec(student(out, dc_run, json::object()));
  gan::Run br(bad);
  auto tech = gan::make_technique(bad);
  CHECK_THROWS_WITH(tech->setup(br), Contains("/technique/params/teacher") &&
                                         Contains("dcgan_discriminator") &&
                                         Contains("no classes") && Contains("10 classes"));
  // ... and one for RGB images: a plain state_dict with its model described.
  const json rgb_model = {{"name", "sngan_discriminator"},
                          {"options", {{"input_nc", 3}, {"ndf", 4}, {"num_classes", 10}}}};
  const std::string file = out + "/rgb_d.safetensors";
  save_safetensors(file, gan::make_described_model(rgb_model)->state_dict(), {});
  json rgb = student(out, teacher, json::object());
  rgb["technique"]["params"]["teacher"] = {{"file", file}, {"model", rgb_model}};
  const json rgb_spec = gan::resolve_spec(rgb);
  gan::Run rr(rgb_spec);
  CHECK_THROWS_WITH(gan::make_technique(rgb_spec)->setup(rr), Contains("[1, 3, 32, 32]") &&
                                                                  Contains("[1, 1, 32, 32]") &&
                                                                  Contains("rgb_d.safetensors"));
}
