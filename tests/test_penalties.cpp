// Gradient penalties on the zoo's discriminators: R1 and its gradient with respect to every D
// parameter against PyTorch's torch.autograd.grad(create_graph=True) in float64 (references by
// tests/make_r1_refs.py), and WGAN-GP's behaviour.
#include <catch2/catch.hpp>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "gan/models/registry.h"
#include "gan/train/penalties.h"
#include "nn/cond_bn.h"
#include "reference.h"

using namespace ganlite;
using Catch::Matchers::Contains;

namespace {

// Loads r1_<ref> into the model in f64, training mode, and compares the R1 penalty and its
// gradient with respect to every parameter with PyTorch's.
void check_r1(const std::string& model, const gan::Options& opts, const std::string& ref) {
  INFO(model << " against tests/data/r1_" << ref << ".safetensors");
  TensorMap data = test::load_reference("r1_" + ref);
  nn::ModulePtr d = gan::make_model(model, opts);
  d->to(DType::f64);
  TensorMap state;
  for (auto& [k, v] : data)
    if (k.rfind("state.", 0) == 0) state[k.substr(6)] = v;
  d->load_state_dict(state);
  d->train();
  if (data.count("labels")) nn::set_labels(*d, data.at("labels"));
  Tensor x = data.at("input").clone().requires_grad_(true);
  Tensor r1 = gan::r1_penalty((*d)(x), x);
  const double want = data.at("r1").item();
  CHECK(r1.item() == Approx(want).epsilon(1e-9));
  std::vector<std::string> names;
  std::vector<Tensor> params;
  for (auto& [n, p] : d->named_parameters()) {
    names.push_back(n);
    params.push_back(p);
  }
  std::vector<Tensor> grads = grad({r1}, params, {}, false, /*allow_unused=*/true);
  REQUIRE(grads.size() == params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    REQUIRE(data.count("grad." + names[i]) == 1);
    Tensor ref_g = data.at("grad." + names[i]);
    Tensor ours = grads[i].defined() ? grads[i] : zeros_like(params[i]);
    double scale = std::max(1.0, max(abs(ref_g)).item());
    double diff = test::max_abs_diff(ours, ref_g);
    INFO("dR1/d " << names[i] << " " << ref_g.shape_str() << ": max abs difference " << diff
                  << " (largest entry " << scale << ")");
    CHECK(diff <= 1e-9 * scale);
  }
}

}  // namespace

TEST_CASE("R1 and its parameter gradients match PyTorch on the zoo's discriminators (f64)",
          "[penalties][gradgrad]") {
  // Batch norm with batch statistics (PatchGAN, DCGAN), spectral norm with its power iteration
  // and the projection head (SNGAN), minibatch-stddev, equalized lr, avg-pool downsampling
  // (StyleGAN2): every path differentiates twice.
  check_r1("patchgan", {{"ndf", "4"}}, "patchgan");
  check_r1("dcgan_discriminator", {{"ndf", "4"}, {"image_size", "32"}}, "dcgan_d");
  check_r1("sngan_discriminator", {{"ndf", "4"}, {"num_classes", "5"}}, "sngan_d");
  check_r1("stylegan2_discriminator",
           {{"resolution", "32"}, {"channel_base", "128"}, {"channel_max", "8"}}, "stylegan2_d");
}

TEST_CASE("WGAN-GP: zero for a 1-Lipschitz linear critic, positive otherwise, trains D",
          "[penalties][gradgrad]") {
  // D(x) = <w, x_n> per sample: the input gradient is w for every sample, so the penalty is
  // (||w|| - 1)^2 exactly, and its gradient in w is 2 (||w|| - 1) w / ||w||.
  Tensor w = from_vector<double>({0.6, 0.8, 0.0, 0.0}, {4}).requires_grad_(true);
  Generator gen(3);
  Tensor real = randn({5, 4}, gen, DType::f64), fake = randn({5, 4}, gen, DType::f64);
  auto critic = [&](const Tensor& x) { return sum(x * w, {1}); };
  Tensor x = gan::interpolate_for_gp(real, fake, gen);
  CHECK(x.requires_grad());
  CHECK(x.is_leaf());
  CHECK(gan::gradient_penalty(critic(x), x).item() == Approx(0.0).margin(1e-12));
  {
    NoGradGuard ng;
    w.copy_(w * 2.0);  // ||w|| = 2
  }
  Tensor gp = gan::gradient_penalty(critic(x), x);
  CHECK(gp.item() == Approx(1.0).epsilon(1e-12));
  Tensor gw = grad({gp}, {w})[0];
  std::vector<double> g = gw.to_vector<double>();  // 2 (2 - 1) w / 2 = w
  CHECK(g[0] == Approx(1.2).epsilon(1e-9));
  CHECK(g[1] == Approx(1.6).epsilon(1e-9));
}

TEST_CASE(
    "penalties need an input that requires grad and name the op that cannot differentiate "
    "twice",
    "[penalties][gradgrad]") {
  Generator gen(4);
  Tensor x = randn({2, 1, 4, 4}, gen, DType::f64);
  REQUIRE_THROWS_WITH(gan::r1_penalty(sum(x), x), Contains("must require grad"));
  x.requires_grad_(true);
  // unfold has no double backward: the error says so rather than returning a first-order-only
  // (silently wrong) penalty gradient.
  Tensor logits = sum(unfold(x * 1.0, {2, 2}) * 0.5, {1, 2});
  REQUIRE_THROWS_WITH(gan::r1_penalty(logits, x), Contains("unfold has no double backward"));
}
