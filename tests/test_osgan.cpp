// OSGAN (compress/osgan): the gradients one-stage training gives G and D equal those of the
// two-stage reference (same parameters, same batch, D not updated in between) for lsgan,
// vanilla, hinge and wgan, on tiny DCGANs (float32, GroupNorm D) and on tiny functional nets in
// float64; γ against its closed forms; the batch-coupling error; the technique's params; a few
// steps of gan::train with the technique (metrics, checkpoint, exact resume).
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "compress/osgan/osgan.h"
#include "engine/autograd.h"
#include "engine/ops.h"
#include "engine/random.h"
#include "gan/models/dcgan.h"
#include "gan/models/sngan.h"
#include "gan/train/spec.h"
#include "nn/cond_bn.h"
#include "nn/data/fashion.h"
#include "nn/init.h"
#include "nn/optim.h"

using namespace ganlite;
using namespace ganlite::compress;
using Catch::Matchers::Contains;
using gan::GanMode;

namespace {

const GanMode kModes[] = {GanMode::lsgan, GanMode::vanilla, GanMode::hinge, GanMode::wgan};

std::vector<Tensor> grads_of(const std::vector<Tensor>& params) {
  std::vector<Tensor> out;
  for (const Tensor& p : params)
    out.push_back(p.grad().defined() ? p.grad().clone() : zeros_like(p));
  return out;
}

void zero_grads(const std::vector<Tensor>& params) {
  for (Tensor p : params) p.zero_grad();
}

// max |a - b| / max |b| over a list of gradients (one scale for the whole network).
double rel_diff(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  REQUIRE(a.size() == b.size());
  double diff = 0, scale = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    REQUIRE(a[i].shape() == b[i].shape());
    std::vector<double> x = a[i].to(DType::f64).to_vector<double>();
    std::vector<double> y = b[i].to(DType::f64).to_vector<double>();
    for (size_t k = 0; k < x.size(); ++k) {
      diff = std::max(diff, std::abs(x[k] - y[k]));
      scale = std::max(scale, std::abs(y[k]));
    }
  }
  REQUIRE(scale > 0);  // the reference gradient is not trivially zero
  return diff / scale;
}

struct Grads {
  std::vector<Tensor> G, D;
  StepStats stats;
};

// Runs `f` (a backward) from zeroed gradients and collects what it left in .grad.
template <class F>
Grads collect(const std::vector<Tensor>& g_params, const std::vector<Tensor>& d_params, F f) {
  zero_grads(g_params);
  zero_grads(d_params);
  Grads out;
  out.stats = f();
  out.G = grads_of(g_params);
  out.D = grads_of(d_params);
  return out;
}

// Tiny DCGANs at 32x32: nz 8, ngf = ndf = 8, one channel.
struct TinyDcgan {
  std::shared_ptr<gan::DcganGenerator> G;
  std::shared_ptr<gan::DcganDiscriminator> D;
  GanFns fns;
  explicit TinyDcgan(gan::DcganNorm norm, uint64_t seed = 1) {
    manual_seed(seed);
    G = std::make_shared<gan::DcganGenerator>(gan::DcganGeneratorOptions{8, 8, 1, 32});
    gan::DcganDiscriminatorOptions d;
    d.input_nc = 1, d.ndf = 8, d.image_size = 32, d.norm = norm;
    D = std::make_shared<gan::DcganDiscriminator>(d);
    nn::init_weights(*G, "normal", 0.02);
    nn::init_weights(*D, "normal", 0.02);
    fns.generate = [g = G](const Tensor& z, const Tensor&) { return (*g)(z); };
    fns.discriminate = [d = D](const Tensor& x, const Tensor&) { return (*d)(x); };
  }
};

// 1 where x > t, else 0 (same dtype).
Tensor gt_mask(const Tensor& x, double t) {
  std::vector<float> v = x.to(DType::f32).contiguous().to_vector<float>();
  for (float& e : v) e = e > t ? 1.f : 0.f;
  return from_vector<float>(v, x.shape()).to(x.dtype());
}

GanBatch dcgan_batch(int64_t n, uint64_t seed) {
  Generator gen(seed);
  GanBatch b;
  b.real = rand({n, 1, 32, 32}, gen, DType::f32, -1, 1);
  b.z = randn({n, 8, 1, 1}, gen);
  return b;
}

// float64 nets written with ops: G z (N, 4, 1, 1) -> ConvT 4x4 to (N, 6, 4, 4) -> ReLU ->
// ConvT 4x4 s2 to (N, 1, 8, 8) -> tanh; D Conv 4x4 s2 to (N, 6, 4, 4) -> GroupNorm(3) ->
// LeakyReLU(0.2) -> Conv 4x4 (one logit) or 3x3 (a 2x2 PatchGAN-like map) + bias.
struct TinyF64 {
  Tensor g1, g2, d1, gn_w, gn_b, d2, d2b;
  GanFns fns;
  explicit TinyF64(bool map_output) {
    Generator gen(7);
    auto param = [&](Shape s, double scale) {
      Tensor t = randn(s, gen, DType::f64) * scale;
      t.requires_grad_(true);
      return t;
    };
    const int64_t k = map_output ? 3 : 4;
    g1 = param({4, 6, 4, 4}, 0.5), g2 = param({6, 1, 4, 4}, 0.3);
    d1 = param({6, 1, 4, 4}, 0.3), d2 = param({1, 6, k, k}, 0.1), d2b = param({1}, 0.1);
    gn_w = param({6}, 0.2) + 1.0, gn_b = param({6}, 0.1);
    gn_w = gn_w.detach().requires_grad_(true), gn_b = gn_b.detach().requires_grad_(true);
    fns.generate = [this](const Tensor& z, const Tensor&) {
      Tensor h = relu(conv_transpose2d(z, g1));
      return tanh(conv_transpose2d(h, g2, Tensor(), {2, 2}, {1, 1}));
    };
    fns.discriminate = [this](const Tensor& x, const Tensor&) {
      Tensor h = conv2d(x, d1, Tensor(), {2, 2}, {1, 1});
      h = leaky_relu(group_norm(h, 3, gn_w, gn_b), 0.2);
      return conv2d(h, d2, d2b);
    };
  }
  std::vector<Tensor> g_params() const { return {g1, g2}; }
  std::vector<Tensor> d_params() const { return {d1, gn_w, gn_b, d2, d2b}; }
};

GanBatch f64_batch(int64_t n, uint64_t seed) {
  Generator gen(seed);
  GanBatch b;
  b.real = rand({n, 1, 8, 8}, gen, DType::f64, -1, 1);
  b.z = randn({n, 4, 1, 1}, gen, DType::f64);
  return b;
}

}  // namespace

TEST_CASE("osgan: one-stage gradients equal the two-stage ones (f32 DCGAN, GroupNorm D)",
          "[osgan]") {
  TinyDcgan nets(gan::DcganNorm::group);
  REQUIRE(find_sample_coupling(*nets.D).empty());
  const auto gp = nets.G->parameters(), dp = nets.D->parameters();
  for (GanMode mode : kModes) {
    for (OsganMode om : {OsganMode::asymmetric, OsganMode::symmetric}) {
      // Symmetric mode is exact for the symmetric loss only (elsewhere G plays the minimax game).
      if (om == OsganMode::symmetric && !gan_mode_is_symmetric(mode)) continue;
      DYNAMIC_SECTION(gan::gan_mode_name(mode) << " " << osgan_mode_name(om)) {
        const GanBatch b = dcgan_batch(6, 11);
        Grads ref = collect(gp, dp, [&] { return two_stage_backward(nets.fns, mode, b, dp); });
        OsganOptions o;
        o.mode = om;
        Grads one = collect(gp, dp, [&] { return osgan_backward(nets.fns, mode, o, b); });
        // The hinge ratio is defined where D's fake term has a gradient (d_i > -1): true here,
        // at N(0, 0.02) initialisation the logits sit near 0.
        CHECK(one.stats.dead == 0);
        CHECK(one.stats.d_fake > -1);
        CHECK(one.stats.loss_D == Approx(ref.stats.loss_D).epsilon(1e-5));
        CHECK(one.stats.loss_G == Approx(ref.stats.loss_G).epsilon(1e-5));
        CHECK(rel_diff(one.D, ref.D) < 1e-4);
        CHECK(rel_diff(one.G, ref.G) < 1e-4);
      }
    }
  }
}

TEST_CASE("osgan: one-stage gradients equal the two-stage ones (f64 functional nets)", "[osgan]") {
  for (GanMode mode : kModes) {
    DYNAMIC_SECTION(gan::gan_mode_name(mode)) {
      TinyF64 nets(false);
      const GanBatch b = f64_batch(5, 3);
      Grads ref = collect(nets.g_params(), nets.d_params(),
                          [&] { return two_stage_backward(nets.fns, mode, b, nets.d_params()); });
      OsganOptions o;
      o.mode = osgan_auto_mode(mode);
      Grads one = collect(nets.g_params(), nets.d_params(),
                          [&] { return osgan_backward(nets.fns, mode, o, b); });
      REQUIRE(one.stats.dead == 0);
      CHECK(rel_diff(one.D, ref.D) < 1e-12);
      CHECK(rel_diff(one.G, ref.G) < 1e-12);
      // And with the fake batch in a D forward of its own.
      o.concat = false;
      Grads sep = collect(nets.g_params(), nets.d_params(),
                          [&] { return osgan_backward(nets.fns, mode, o, b); });
      CHECK(rel_diff(sep.D, ref.D) < 1e-12);
      CHECK(rel_diff(sep.G, ref.G) < 1e-12);
    }
  }
}

TEST_CASE("osgan: exact with class labels (SNGAN G and projection D)", "[osgan]") {
  // D in eval mode: spectral norm's power iteration would otherwise move u between the
  // reference's three D forwards and the one-stage single forward. A few training forwards
  // first let the iteration converge (from a random u, sigma is far off and the logits huge).
  manual_seed(3);
  auto G = std::make_shared<gan::SnganGenerator>(gan::SnganGeneratorOptions{16, 8, 1, 10});
  auto D = std::make_shared<gan::SnganDiscriminator>(gan::SnganDiscriminatorOptions{1, 8, 10});
  Generator gen(23);
  GanBatch b;
  b.real = rand({6, 1, 32, 32}, gen, DType::f32, -1, 1);
  b.real_labels = randint(0, 10, {6}, gen);
  b.z = randn({6, 16}, gen);
  b.labels = randint(0, 10, {6}, gen);
  {
    NoGradGuard ng;
    for (int i = 0; i < 20; ++i) (*D)(b.real, b.real_labels);
  }
  D->eval();
  REQUIRE(find_sample_coupling(*D).empty());
  GanFns fns{[G](const Tensor& z, const Tensor& y) {
               nn::set_labels(*G, y);
               return (*G)(z);
             },
             [D](const Tensor& x, const Tensor& y) {
               nn::set_labels(*D, y);
               return (*D)(x);
             }};
  const auto gp = G->parameters(), dp = D->parameters();
  for (GanMode mode : {GanMode::lsgan, GanMode::vanilla}) {
    DYNAMIC_SECTION(gan::gan_mode_name(mode)) {
      Grads ref = collect(gp, dp, [&] { return two_stage_backward(fns, mode, b, dp); });
      OsganOptions o;
      Grads one = collect(gp, dp, [&] { return osgan_backward(fns, mode, o, b); });
      REQUIRE(one.stats.dead == 0);
      CHECK(rel_diff(one.D, ref.D) < 1e-4);
      CHECK(rel_diff(one.G, ref.G) < 1e-4);
    }
  }
  SECTION("hinge with fakes in the flat region: D exact, G from the other samples only") {
    // Here 3 of the 6 fake logits lie below -1, where relu(1 + d) is flat: one-stage gives G the
    // gradient of -(1/N) sum over the other samples of d_i (docs/techniques/osgan.md).
    Grads ref = collect(gp, dp, [&] { return two_stage_backward(fns, GanMode::hinge, b, dp); });
    OsganOptions o;
    Grads one = collect(gp, dp, [&] { return osgan_backward(fns, GanMode::hinge, o, b); });
    REQUIRE(one.stats.dead == 3);
    CHECK(rel_diff(one.D, ref.D) < 1e-4);
    Grads alive = collect(gp, dp, [&] {
      Tensor fake = fns.generate(b.z, b.labels);
      for (Tensor p : dp) p.requires_grad_(false);
      Tensor d = fns.discriminate(fake, b.labels).reshape({6});
      Tensor mask = gt_mask(d.detach(), -1.0);
      (-(sum(d * mask) / 6.0)).backward();
      for (Tensor p : dp) p.requires_grad_(true);
      return StepStats{};
    });
    CHECK(rel_diff(one.G, alive.G) < 1e-4);
    CHECK(rel_diff(one.G, ref.G) > 1e-2);  // and it is not the two-stage gradient
  }
}

TEST_CASE("osgan: symmetric mode is exact for wgan with a map of logits; asymmetric refuses maps",
          "[osgan]") {
  TinyF64 nets(true);
  const GanBatch b = f64_batch(4, 5);
  {
    NoGradGuard ng;
    REQUIRE(nets.fns.discriminate(b.real, Tensor()).shape() == Shape{4, 1, 2, 2});
  }
  Grads ref = collect(nets.g_params(), nets.d_params(), [&] {
    return two_stage_backward(nets.fns, GanMode::wgan, b, nets.d_params());
  });
  OsganOptions o;
  o.mode = OsganMode::symmetric;
  Grads one = collect(nets.g_params(), nets.d_params(),
                      [&] { return osgan_backward(nets.fns, GanMode::wgan, o, b); });
  CHECK(rel_diff(one.D, ref.D) < 1e-12);
  CHECK(rel_diff(one.G, ref.G) < 1e-12);

  o.mode = OsganMode::asymmetric;
  CHECK_THROWS_WITH(osgan_backward(nets.fns, GanMode::vanilla, o, b),
                    Contains("[4, 1, 2, 2]") && Contains("4 logits per sample") &&
                        Contains("one logit per sample"));
}

TEST_CASE("osgan: symmetric mode with a BatchNorm D runs D per batch and stays exact", "[osgan]") {
  TinyDcgan nets(gan::DcganNorm::batch);
  const auto gp = nets.G->parameters(), dp = nets.D->parameters();
  const GanBatch b = dcgan_batch(6, 13);
  Grads ref = collect(gp, dp, [&] { return two_stage_backward(nets.fns, GanMode::wgan, b, dp); });
  OsganOptions o;
  o.mode = OsganMode::symmetric;
  o.concat = find_sample_coupling(*nets.D).empty();
  REQUIRE_FALSE(o.concat);
  Grads one = collect(gp, dp, [&] { return osgan_backward(nets.fns, GanMode::wgan, o, b); });
  CHECK(rel_diff(one.D, ref.D) < 1e-4);
  CHECK(rel_diff(one.G, ref.G) < 1e-4);
}

TEST_CASE("osgan: a batch-statistics D is refused in asymmetric mode, naming the layer",
          "[osgan]") {
  TinyDcgan nets(gan::DcganNorm::batch);
  CHECK_THAT(find_sample_coupling(*nets.D), Contains("'main.3'") && Contains("BatchNorm2d"));
  CHECK_THROWS_WITH(check_per_sample(*nets.D, "osgan (asymmetric mode)"),
                    Contains("osgan (asymmetric mode)") && Contains("layer 'main.3'") &&
                        Contains("BatchNorm2d in training mode") && Contains("GroupNorm") &&
                        Contains("norm = \"group\""));
  nets.D->eval();  // running statistics: per-sample again
  CHECK(find_sample_coupling(*nets.D).empty());
  TinyDcgan gn(gan::DcganNorm::group);
  CHECK_NOTHROW(check_per_sample(*gn.D, "osgan"));
}

TEST_CASE("osgan: gamma matches its closed forms; hinge's flat region gives 0", "[osgan]") {
  const std::vector<double> d{-3.0, -1.5, -0.5, 0.25, 2.0};
  Tensor logits = from_vector<double>(d, {5, 1});
  auto gamma_of = [&](GanMode mode, int64_t* dead) {
    return osgan_gamma(mode, logits, dead).to_vector<double>();
  };
  int64_t dead = -1;
  std::vector<double> v = gamma_of(GanMode::vanilla, &dead);
  CHECK(dead == 0);
  for (size_t i = 0; i < d.size(); ++i) CHECK(v[i] == Approx(-std::exp(-d[i])).epsilon(1e-12));
  v = gamma_of(GanMode::lsgan, &dead);
  CHECK(dead == 0);
  for (size_t i = 0; i < d.size(); ++i) CHECK(v[i] == Approx((d[i] - 1) / d[i]).epsilon(1e-12));
  v = gamma_of(GanMode::wgan, &dead);
  for (double g : v) CHECK(g == -1.0);
  // hinge: ℓ_fake = relu(1 + d) is flat for d < -1: no gradient reaches G from those samples.
  v = gamma_of(GanMode::hinge, &dead);
  CHECK(dead == 2);
  CHECK(v == std::vector<double>{0, 0, -1, -1, -1});
  // lsgan at d = 0 (ℓ'_fake = 0) is the same case.
  CHECK(osgan_gamma(GanMode::lsgan, zeros({3}), &dead).to_vector<float>() ==
        std::vector<float>{0, 0, 0});
  CHECK(dead == 3);
}

TEST_CASE("osgan: osgan_step steps D with grad L_D and G with grad L_G", "[osgan]") {
  // Same init twice: A takes osgan_step; B takes the two-stage gradients (D not updated in
  // between) and then both SGD steps: the parameters must agree.
  TinyDcgan a(gan::DcganNorm::group, 5), b(gan::DcganNorm::group, 5);
  nn::SGD ag(a.G->parameters(), 0.1), ad(a.D->parameters(), 0.05);
  nn::SGD bg(b.G->parameters(), 0.1), bd(b.D->parameters(), 0.05);
  const GanBatch batch = dcgan_batch(4, 17);
  OsganOptions o;
  o.mode = OsganMode::asymmetric;
  osgan_step(a.fns, ag, ad, GanMode::vanilla, o, batch);
  bg.zero_grad(), bd.zero_grad();
  two_stage_backward(b.fns, GanMode::vanilla, batch, b.D->parameters());
  bd.step(), bg.step();
  CHECK(rel_diff(a.G->parameters(), b.G->parameters()) < 1e-5);
  CHECK(rel_diff(a.D->parameters(), b.D->parameters()) < 1e-5);
  // clip_d clamps D after the step.
  osgan_step(a.fns, ag, ad, GanMode::vanilla, o, batch, 0.01);
  for (const Tensor& p : a.D->parameters())
    for (float x : p.to_vector<float>()) REQUIRE(std::abs(x) <= 0.01f);
}

TEST_CASE("osgan: technique params", "[osgan]") {
  nlohmann::json spec = {
      {"name", "t"},
      {"model", {{"G", {{"name", "dcgan_generator"}}}, {"D", {{"name", "dcgan_discriminator"}}}}},
      {"schedule", {{"steps", 1}}},
      {"losses", {{"gan_mode", "vanilla"}}},
      {"technique", {{"name", "osgan"}, {"params", nlohmann::json::object()}}}};
  auto parse = [&](nlohmann::json params) {
    nlohmann::json s = spec;
    s["technique"]["params"] = params;
    return osgan_params(gan::resolve_spec(s));
  };
  CHECK(parse(nlohmann::json::object()).mode == "auto");
  CHECK(parse({{"mode", "symmetric"}, {"clip_d", 0.01}}).clip_d == 0.01);
  CHECK_THROWS_AS(parse({{"mode", "fast"}}), gan::SpecError);
  CHECK_THROWS_WITH(parse({{"mode", "fast"}}),
                    Contains("/technique/params/mode: expected one of \"auto\", \"symmetric\", "
                             "\"asymmetric\", got \"fast\""));
  CHECK_THROWS_WITH(parse({{"mode", 3}}), Contains("/technique/params/mode"));
  CHECK_THROWS_WITH(parse({{"clip_d", -1}}), Contains("/technique/params/clip_d"));
  CHECK_THROWS_WITH(parse({{"clip_d", "x"}}), Contains("/technique/params/clip_d"));
  CHECK_THROWS_WITH(parse({{"mdoe", "auto"}}),
                    Contains("/technique/params/mdoe: unknown key 'mdoe'; did you mean 'mode'?"));
  CHECK_THROWS_WITH(parse({{"clip_d", nullptr}}), Contains("/technique/params/clip_d"));
  // The declared defaults reach the resolved spec.
  CHECK(gan::resolve_spec(spec)["technique"]["params"] ==
        nlohmann::json({{"mode", "auto"}, {"clip_d", 0.0}}));
  // The technique's own check: osgan trains the generation task only.
  nlohmann::json translation = spec;
  translation["data"] = {{"dataset", "fashion_edges"}};
  CHECK_THROWS_WITH(gan::resolve_spec(translation),
                    Contains("/technique/name: osgan trains the generation task") &&
                        Contains("paired translation"));
  auto tech = gan::make_technique(gan::resolve_spec(spec));
  REQUIRE(tech);
  CHECK(tech->name() == "osgan");

  CHECK(resolve_osgan_mode("auto", GanMode::wgan) == OsganMode::symmetric);
  for (GanMode m : {GanMode::lsgan, GanMode::vanilla, GanMode::hinge})
    CHECK(resolve_osgan_mode("auto", m) == OsganMode::asymmetric);
  CHECK(resolve_osgan_mode("symmetric", GanMode::vanilla) == OsganMode::symmetric);
  CHECK(resolve_osgan_mode("asymmetric", GanMode::wgan) == OsganMode::asymmetric);
}

namespace {

// A tiny generation run: 32x32 Fashion-MNIST (64 examples), DCGAN widths 8, batch 16.
nlohmann::json tiny_spec(const std::string& name, const std::string& loss,
                         const std::string& norm) {
  return {{"name", name},
          {"model",
           {{"G",
             {{"name", "dcgan_generator"},
              {"options", {{"nz", 16}, {"ngf", 8}, {"output_nc", 1}, {"image_size", 32}}}}},
            {"D",
             {{"name", "dcgan_discriminator"},
              {"options", {{"input_nc", 1}, {"ndf", 8}, {"image_size", 32}, {"norm", norm}}}}}}},
          {"data",
           {{"dataset", "fashion_mnist"}, {"image_size", 32}, {"batch_size", 16}, {"limit", 64}}},
          {"losses", {{"gan_mode", loss}}},
          {"schedule", {{"steps", 4}}},
          {"technique", {{"name", "osgan"}, {"params", {{"mode", "auto"}}}}},
          {"logging", {{"log_every", 1}, {"sample_every", 2}, {"checkpoint_every", 2}}}};
}

gan::TrainResult train_osgan(const nlohmann::json& spec, const std::string& out,
                             const std::string& resume_dir = "", int64_t stop_after = -1) {
  const nlohmann::json resolved = gan::resolve_spec(spec);
  gan::TrainOptions o;
  o.out_dir = out;
  o.resume_dir = resume_dir;
  o.stop_after = stop_after;
  o.quiet = true;
  return gan::train(resolved, std::move(o));
}

}  // namespace

TEST_CASE("osgan: gan::train runs the technique's step", "[osgan]") {
  if (!data::fashion_mnist_available()) {
    WARN("skipped: no Fashion-MNIST at " << data::fashion_mnist_root());
    return;
  }
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "ganlite_osgan_train_test";
  fs::remove_all(dir);
  for (const char* loss : {"vanilla", "wgan"}) {
    DYNAMIC_SECTION(loss) {
      const std::string name = std::string("osgan_") + loss;
      gan::TrainResult res = train_osgan(tiny_spec(name, loss, "group"), dir.string());
      CHECK(res.steps_done == 4);
      CHECK_FALSE(res.interrupted);
      // The technique's scalars, not the task's step, reached the metrics.
      std::vector<std::string> keys;
      for (auto& [k, v] : res.last) keys.push_back(k);
      CHECK(keys == std::vector<std::string>{"d_loss", "d_real", "d_fake", "g_loss", "osgan_dead"});
      for (auto& [k, v] : res.last) CHECK(std::isfinite(v));
      std::ifstream metrics(fs::path(res.run_dir) / "metrics.jsonl");
      int lines = 0;
      for (std::string line; std::getline(metrics, line); ++lines)
        CHECK(nlohmann::json::parse(line).contains("osgan_dead"));
      CHECK(lines == 4);
      CHECK(fs::exists(fs::path(res.run_dir) / "checkpoints" / "latest.safetensors"));
      CHECK(fs::exists(fs::path(res.run_dir) / "samples" / "step_000004.png"));
    }
  }
  SECTION("an interrupted run resumes bit-identically") {
    gan::TrainResult full = train_osgan(tiny_spec("osgan_full", "hinge", "group"), dir.string());
    gan::TrainResult part =
        train_osgan(tiny_spec("osgan_part", "hinge", "group"), dir.string(), "", 2);
    REQUIRE(part.interrupted);
    REQUIRE(part.steps_done == 2);
    // The resumed run must carry the same name as the checkpoint's spec.
    gan::TrainResult rest =
        train_osgan(tiny_spec("osgan_part", "hinge", "group"), dir.string(), part.run_dir);
    REQUIRE(rest.steps_done == 4);
    const auto a = gan::load_run_checkpoint(full.run_dir + "/checkpoints/latest.safetensors");
    const auto b = gan::load_run_checkpoint(rest.run_dir + "/checkpoints/latest.safetensors");
    for (const char* key : {"G.main.0.weight", "D.main.0.weight", "D.main.6.weight"}) {
      INFO(key);
      REQUIRE(a.tensors.count(key));
      CHECK(a.tensors.at(key).to_vector<float>() == b.tensors.at(key).to_vector<float>());
    }
  }
  SECTION("a BatchNorm D is refused in asymmetric mode before any output") {
    const fs::path run_dir = dir / "osgan_bn";
    CHECK_THROWS_WITH(train_osgan(tiny_spec("osgan_bn", "vanilla", "batch"), dir.string()),
                      Contains("layer 'main.3'") && Contains("GroupNorm"));
    CHECK_FALSE(fs::exists(run_dir / "metrics.jsonl"));
  }
  fs::remove_all(dir);
}
