// DMAD's channel mask (nn/mask.h): the closed form at and around the band's edges, its
// derivative there, the hard step at b = 0, and an f64 finite-difference check inside the band.
#include <catch2/catch.hpp>
#include <cmath>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "engine/random.h"
#include "gan/models/registry.h"
#include "gradcheck.h"
#include "nn/layers.h"
#include "nn/mask.h"

using namespace ganlite;

namespace {

double closed_form(double w, double b) {
  if (w < -b) return 0;
  if (w <= 0) return 0.5 * (1 + w / b) * (1 + w / b);
  if (w <= b) return 1 - 0.5 * (1 - w / b) * (1 - w / b);
  return 1;
}

double closed_derivative(double w, double b) {
  return std::abs(w) < b ? (1 - std::abs(w) / b) / b : 0.0;
}

}  // namespace

TEST_CASE("mask: m(w) and its derivative equal the closed form at and around the band's edges",
          "[mask]") {
  const double b = 0.4;
  std::vector<double> ws;
  for (double edge : {-b, 0.0, b})
    for (double d : {-1e-3, -1e-9, 0.0, 1e-9, 1e-3}) ws.push_back(edge + d);
  for (double w : {-2.0, -0.3, -0.1, 0.05, 0.2, 0.35, 3.0}) ws.push_back(w);
  Tensor w = from_vector(ws, {static_cast<int64_t>(ws.size())}).requires_grad_(true);
  const Tensor m = nn::soft_mask(w, b);
  const std::vector<double> mv = m.to_vector<double>();
  const std::vector<double> g = grad({sum(m)}, {w})[0].to_vector<double>();
  for (size_t i = 0; i < ws.size(); ++i) {
    INFO("w = " << ws[i]);
    CHECK(mv[i] == Approx(closed_form(ws[i], b)).margin(1e-15));
    // Exactly at +-b the two one-sided derivatives agree (0): any choice is right.
    if (std::abs(std::abs(ws[i]) - b) > 1e-12)
      CHECK(g[i] == Approx(closed_derivative(ws[i], b)).margin(1e-12));
  }
  CHECK(mv.front() >= 0);  // 0 below the band, 1/2 at 0, 1 above
  CHECK(nn::soft_mask(from_vector(std::vector<double>{0.0}, {1}), b).item() == 0.5);
}

TEST_CASE("mask: b = 0 is the hard step, without a gradient; a negative bound is an error",
          "[mask]") {
  Tensor w = from_vector(std::vector<float>{-1, -1e-30f, 0, 1e-30f, 2}, {5}).requires_grad_(true);
  const Tensor m = nn::soft_mask(w, 0);
  CHECK(m.to_vector<float>() == std::vector<float>{0, 0, 0, 1, 1});
  CHECK(m.dtype() == DType::f32);
  CHECK_FALSE(m.requires_grad());
  CHECK_THROWS_WITH(nn::soft_mask(w, -0.1), Catch::Matchers::Contains("bound must be >= 0"));
}

TEST_CASE("mask: f64 finite-difference gradient check inside the band", "[mask][gradcheck]") {
  test::OpCase c;
  c.op = "soft_mask";
  c.name = "soft_mask_in_band";
  c.inputs = {{{3, 4}, -0.45, 0.45}};  // |w| < b: no kink of the clamp within eps
  c.fn = [](const std::vector<Tensor>& in) { return nn::soft_mask(in[0], 0.5); };
  const test::GradcheckResult r = test::gradcheck(c);
  INFO(r.report);
  CHECK(r.ok);
}

// Why the mask acts after the norm (norm_mask_act): before an affine-free instance norm a
// per-channel scale is normalised away (but for the norm's eps), so the mask gets next to no
// gradient; after it the mask scales the output and its gradient is sum(g * act' * u), the
// unfused chain's. Shape errors name the mask.
TEST_CASE("mask: after the norm the mask has a gradient, before an instance norm next to none",
          "[mask]") {
  Generator gen(5);
  const Tensor x = randn({2, 3, 4, 4}, gen, DType::f64);
  const Tensor m = (rand({3}, gen, DType::f64) + 0.5).requires_grad_(true);
  const Tensor before = sum(relu(instance_norm(x * m.reshape({1, 3, 1, 1}))) * x);
  const double g_before = max(abs(grad({before}, {m})[0])).item();
  MaskedNorm o;
  const Tensor after = sum(norm_mask_act(x, Tensor(), Tensor(), Tensor(), Tensor(), m, o) * x);
  const Tensor g_after = grad({after}, {m})[0];
  CHECK(max(abs(g_after)).item() > 0.1);
  CHECK(g_before < 0.01 * max(abs(g_after)).item());
  // The unfused chain's gradient, for the value.
  const Tensor chain = sum(relu(instance_norm(x) * m.reshape({1, 3, 1, 1})) * x);
  const Tensor g_chain = grad({chain}, {m})[0];
  CHECK(max(abs(g_after - g_chain)).item() < 1e-12);
  CHECK_THROWS_WITH(
      norm_mask_act(x, Tensor(), Tensor(), Tensor(), Tensor(), rand({4}, gen, DType::f64), o),
      Catch::Matchers::Contains("mask") && Catch::Matchers::Contains("[3]"));
  o.norm = MaskedNorm::Norm::instance;
  CHECK_THROWS_WITH(
      norm_mask_act(x, Tensor(), Tensor(), zeros({3}, DType::f64), ones({3}, DType::f64), m, o),
      Catch::Matchers::Contains("no running statistics"));
}

namespace {

// Every mask of a masked network set to w (a hard 1 for w > 0 at bound 0).
void set_masks(nn::Module& net, double w) {
  NoGradGuard ng;
  for (auto& [name, l] : nn::mask_layers(net)) l->mask.copy_(full(l->mask.shape(), w));
}

}  // namespace

// The masked ResNet, mobile ResNet and U-Net generators (DMAD's search networks): the plain one's
// parameter names plus one mask per norm; with the plain weights and every mask open it computes
// the plain generator's outputs (instance and batch norm, training and eval); inside the band the
// masks get gradients, outside it none; a closed mask zeroes its channel (the ResNet stem's).
TEST_CASE("mask: the masked generators are the plain ones when every mask is open", "[mask]") {
  for (const std::string model : {"resnet_generator", "mobile_resnet_generator", "unet_generator"})
    for (const char* norm : {"instance", "batch"}) {
      INFO(model << ", norm " << norm);
      const bool unet = model == "unet_generator";
      gan::Options o = {{"input_nc", "1"}, {"output_nc", "1"}, {"ngf", "4"}, {"norm", norm}};
      o[unet ? "num_downs" : "n_blocks"] = unet ? "5" : "2";
      nn::ModulePtr plain = gan::make_model(model, o);
      o["masked"] = "true";
      nn::ModulePtr masked = gan::make_model(model, o);
      const TensorMap p = plain->state_dict(), m = masked->state_dict();
      size_t masks = 0;
      for (const auto& [k, t] : m) {
        INFO(k);
        if (k.size() > 5 && k.compare(k.size() - 5, 5, ".mask") == 0)
          ++masks;
        else
          CHECK(p.count(k) == 1);
      }
      CHECK(p.size() + masks == m.size());
      // ResNet: stem, two downsamplings, two per block, two upsamplings; U-Net (num_downs 5):
      // the innermost block's one and two in each of the three middle blocks.
      CHECK(masks == (unet ? 1 + 3 * 2 : 3 + 2 * 2 + 2));
      masked->load_state_dict(p, false);
      set_masks(*masked, 2.0);
      Generator gen(3);
      const Tensor x = randn({2, 1, 32, 32}, gen);
      for (bool training : {true, false}) {
        INFO("training " << training);
        plain->train(training);
        masked->train(training);
        for (double bound : {0.0, 0.5}) {  // w = 2 is outside the band: m = 1 either way
          nn::set_mask_bound(*masked, bound);
          CHECK(max(abs((*plain)(x) - (*masked)(x))).item() < 1e-5);
        }
      }
      masked->train(true);
      nn::set_mask_bound(*masked, 0.5);
      const auto layers = nn::mask_layers(*masked);
      REQUIRE(layers.size() == masks);
      Tensor loss = sum((*masked)(x)*x);
      std::vector<Tensor> w;
      for (auto& [name, l] : layers) w.push_back(l->mask);
      std::vector<Tensor> g = grad({loss}, w);
      CHECK(max(abs(g[0])).item() == 0);  // outside the band
      set_masks(*masked, 0.0);            // m = 1/2, inside the band
      loss = sum((*masked)(x)*x);
      g = grad({loss}, w);
      for (size_t i = 0; i < g.size(); ++i) {
        INFO(layers[i].first);
        CHECK(max(abs(g[i])).item() > 0);
      }
      if (unet) continue;
      // A closed stem mask zeroes the stem's output, whatever follows: the first downsampling conv
      // then sees only zeros.
      set_masks(*masked, 2.0);
      {
        NoGradGuard ng;
        layers[0].second->mask.copy_(full(layers[0].second->mask.shape(), -2.0));
      }
      auto& seq = dynamic_cast<nn::Sequential&>(*masked->named_modules()[1].second);
      Tensor h = x;
      for (size_t i = 0; i < 4; ++i) h = seq[i](h);
      CHECK(max(abs(h)).item() == 0);
    }
}
