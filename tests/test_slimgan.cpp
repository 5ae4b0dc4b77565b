// SlimGAN (gan/models/slim_sngan.h, compress/slimgan/): slices are views whose gradients land in
// the full weights and the shared class embedding, per-width BN statistics, D block sharing, exact
// export of a width to the dense SNGAN nets, the technique's D and G steps, the distillation term
// by hand, and the params' validation errors. [.slimgan_timing] times one step per G size.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <string>

#include "compress/slimgan/slimgan.h"
#include "engine/autograd.h"
#include "engine/ops.h"
#include "engine/random.h"
#include "gan/models/registry.h"
#include "gan/models/slim_sngan.h"
#include "gan/models/sngan.h"
#include "gan/train/spec.h"
#include "gan/train/technique.h"
#include "gan/train/trainer.h"
#include "nn/data/fashion.h"
#include "nn/optim.h"
#include "nn/slim.h"

using namespace ganlite;
using Catch::Matchers::Contains;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::shared_ptr<gan::SlimSnganGenerator> tiny_g(int64_t ch = 8, int64_t num_classes = 3,
                                                std::vector<double> widths = nn::kSlimWidths) {
  gan::SlimSnganGeneratorOptions o;
  o.z_dim = 6;
  o.ch = ch;
  o.output_nc = 1;
  o.num_classes = num_classes;
  o.widths = std::move(widths);
  return std::make_shared<gan::SlimSnganGenerator>(o);
}

std::shared_ptr<gan::SlimSnganDiscriminator> tiny_d(int64_t n_share = 2, int64_t ndf = 4,
                                                    std::vector<double> widths = nn::kSlimWidths) {
  gan::SlimSnganDiscriminatorOptions o;
  o.input_nc = 1;
  o.ndf = ndf;
  o.num_classes = 3;
  o.widths = std::move(widths);
  o.n_share = n_share;
  return std::make_shared<gan::SlimSnganDiscriminator>(o);
}

Tensor labels(std::vector<int64_t> y) {
  int64_t n = static_cast<int64_t>(y.size());
  return from_vector<int64_t>(y, {n});
}

Tensor param(nn::Module& m, const std::string& name) {
  for (auto& [n, t] : m.named_parameters())
    if (n == name) return t;
  FAIL("no parameter " << name);
  return Tensor();
}

Tensor buffer(nn::Module& m, const std::string& name) {
  for (auto& [n, t] : m.named_buffers())
    if (n == name) return t;
  FAIL("no buffer " << name);
  return Tensor();
}

bool all_zero(const Tensor& t) {
  for (float v : t.contiguous().to_vector<float>())
    if (v != 0.0f) return false;
  return true;
}

bool has_grad(const Tensor& t) {
  return t.grad().defined() && !all_zero(t.grad());
}

// Non-zero gradient exactly in the leading block [:rows, :cols] of dims 0 and 1.
void check_leading_block(const Tensor& g, int64_t rows, int64_t cols) {
  REQUIRE(g.defined());
  CHECK_FALSE(all_zero(g.slice(0, 0, rows).slice(1, 0, cols)));
  if (rows < g.size(0)) CHECK(all_zero(g.slice(0, rows, g.size(0) - rows)));
  if (cols < g.size(1)) CHECK(all_zero(g.slice(1, cols, g.size(1) - cols)));
}

// Every normalisation table gets N(0, 1) entries and every BN its statistics from a few batches
// at every width, so that an export that mixed up columns or widths could not pass.
void randomize(gan::SlimSnganGenerator& g) {
  {
    NoGradGuard ng;
    for (auto& [n, t] : g.named_parameters())
      if (n.find("embed") != std::string::npos || n.find("b5.") == 0)
        t.copy_(randn(t.shape(), default_generator()));
  }
  NoGradGuard ng;
  g.train();
  for (double w : g.options().widths)
    for (int i = 0; i < 3; ++i)
      compress::generate_at(g, w, randn({5, g.options().z_dim}, default_generator()) * 2.0,
                            labels({0, 1, 2, 1, 0}));
}

bool same_values(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() &&
         a.contiguous().to_vector<float>() == b.contiguous().to_vector<float>();
}

// A resolved slimgan spec over tiny slim nets; g_options / d_options are merged into theirs.
json raw_slimgan_spec(json params = json::object(), json g_options = json::object(),
                      json d_options = json::object()) {
  json g = {{"z_dim", 6}, {"ch", 8}, {"output_nc", 1}, {"num_classes", 3}};
  json d = {{"input_nc", 1}, {"ndf", 4}, {"num_classes", 3}};
  g.update(g_options);
  d.update(d_options);
  json spec = {{"name", "slim_test"},
               {"model",
                {{"G", {{"name", "slim_sngan_generator"}, {"options", g}}},
                 {"D", {{"name", "slim_sngan_discriminator"}, {"options", d}}}}},
               {"data", {{"dataset", "fashion_mnist"}, {"image_size", 32}, {"batch_size", 4}}},
               {"losses", {{"gan_mode", "hinge"}}},
               {"schedule", {{"steps", 10}}},
               {"technique", {{"name", "slimgan"}, {"params", params}}}};
  return spec;
}

json slimgan_spec(json params = json::object(), json g_options = json::object(),
                  json d_options = json::object()) {
  return gan::resolve_spec(
      raw_slimgan_spec(std::move(params), std::move(g_options), std::move(d_options)));
}

}  // namespace

TEST_CASE("slim SNGAN G: torch_mimicry names, views of the full weights, gradients in them",
          "[slimgan]") {
  manual_seed(1);
  auto g = tiny_g();
  TensorMap sd = g->state_dict();
  for (const char* k :
       {"l1.weight", "l1.bias", "block2.b1.embed.weight", "block2.b1.bn.0.running_mean",
        "block4.b2.bn.3.running_var", "block3.c1.weight", "block3.c_sc.bias", "b5.bn.1.weight",
        "b5.bn.2.running_var", "c5.weight", "c5.bias"})
    CHECK(sd.count(k) == 1);
  CHECK(sd.at("l1.weight").shape() == Shape{16 * 8, 6});
  CHECK(sd.at("block2.b1.embed.weight").shape() == Shape{3, 16});
  CHECK(g->channels() == 8);  // starts at the widest

  nn::set_width_mult(*g, 0.5);
  CHECK(g->channels() == 4);
  auto* c1 = dynamic_cast<nn::SlimConv2d*>(g->submodule("block2.c1"));
  REQUIRE(c1);
  Tensor w = c1->active_weight();
  CHECK(w.shape() == Shape{4, 4, 3, 3});
  CHECK(w.impl()->storage == c1->weight.impl()->storage);  // a view, not a copy

  // Labels 0 and 2 only: row 1 of every class table stays without gradient.
  Tensor x = (*g)(randn({4, 6}, default_generator()), labels({0, 2, 2, 0}));
  CHECK(x.shape() == Shape{4, 1, 32, 32});
  sum(x * x).backward();
  check_leading_block(param(*g, "l1.weight").grad(), 16 * 4, 6);
  check_leading_block(param(*g, "block2.c1.weight").grad(), 4, 4);
  check_leading_block(param(*g, "block4.c_sc.weight").grad(), 4, 4);
  check_leading_block(param(*g, "c5.weight").grad(), 1, 4);  // RGB output kept whole
  Tensor e = param(*g, "block3.b2.embed.weight").grad();
  REQUIRE(e.defined());
  for (int64_t row : {0, 2}) {
    Tensor r = e.slice(0, row, 1);
    CHECK_FALSE(all_zero(r.slice(1, 0, 4)));  // gamma_y[:4]
    CHECK(all_zero(r.slice(1, 4, 4)));
    CHECK_FALSE(all_zero(r.slice(1, 8, 4)));  // beta_y[:4]
    CHECK(all_zero(r.slice(1, 12, 4)));
  }
  CHECK(all_zero(e.slice(0, 1, 1)));
  CHECK(has_grad(param(*g, "b5.bn.1.weight")));
  for (const char* k : {"b5.bn.0.weight", "b5.bn.2.weight", "b5.bn.3.bias"})
    CHECK_FALSE(param(*g, k).grad().defined());
}

TEST_CASE("slim SNGAN G keeps per-width BN statistics apart", "[slimgan]") {
  manual_seed(2);
  auto g = tiny_g();
  g->train();
  NoGradGuard ng;
  compress::generate_at(*g, 0.25, randn({4, 6}, default_generator()), labels({0, 1, 2, 0}));
  for (const std::string bn : {"block2.b1.bn.", "block3.b2.bn.", "b5.bn."}) {
    INFO(bn);
    CHECK(buffer(*g, bn + "0.num_batches_tracked").item() == 1);
    CHECK_FALSE(all_zero(buffer(*g, bn + "0.running_mean")));
    for (const char* i : {"1", "2", "3"}) {
      CHECK(buffer(*g, bn + i + ".num_batches_tracked").item() == 0);
      CHECK(all_zero(buffer(*g, bn + i + ".running_mean")));
    }
  }
  // Running at width 1 leaves width 0.25's statistics as they were.
  Tensor before = buffer(*g, "b5.bn.0.running_var").clone();
  compress::generate_at(*g, 1.0, randn({4, 6}, default_generator()), labels({0, 1, 2, 0}));
  CHECK(same_values(buffer(*g, "b5.bn.0.running_var"), before));
  CHECK(buffer(*g, "b5.bn.3.num_batches_tracked").item() == 1);
  CHECK_THROWS_WITH(nn::set_width_mult(*g, 0.3), Contains("not one of its widths"));
}

TEST_CASE("slim SNGAN D shares its first n_share blocks across widths", "[slimgan]") {
  manual_seed(3);
  auto d = tiny_d(2);
  std::vector<std::string> tops;
  for (auto& [n, t] : d->named_parameters()) {
    std::string top = n.substr(0, n.find('.'));
    if (n.rfind("branches.", 0) == 0) top = n.substr(0, n.find('.', n.find('.', 9) + 1));
    if (tops.empty() || tops.back() != top) tops.push_back(top);
  }
  CHECK(tops == std::vector<std::string>{
                    "block1", "block2", "branches.0.block3", "branches.0.block4", "branches.0.head",
                    "branches.1.block3", "branches.1.block4", "branches.1.head",
                    "branches.2.block3", "branches.2.block4", "branches.2.head",
                    "branches.3.block3", "branches.3.block4", "branches.3.head"});
  CHECK(d->source_key("block2.c1.weight_orig", 1) == "block2.c1.weight_orig");
  CHECK(d->source_key("block3.c1.weight_orig", 1) == "branches.1.block3.c1.weight_orig");
  CHECK(d->source_key("head.linear.bias", 3) == "branches.3.head.linear.bias");

  // Each width's loss reaches the shared blocks and its own branch only; the sum over widths
  // gives the shared blocks the sum of the four gradients (eval: no power iteration between).
  d->eval();
  Tensor x = randn({3, 1, 32, 32}, default_generator());
  Tensor y = labels({0, 1, 2});
  Tensor shared_w = param(*d, "block1.c1.weight_orig");
  Tensor sum_of_grads = zeros(shared_w.shape());
  for (int64_t i = 0; i < 4; ++i) {
    INFO("width index " << i);
    d->zero_grad();
    d->set_width_mult(nn::kSlimWidths[static_cast<size_t>(i)]);
    sum((*d)(x, y)).backward();
    CHECK(has_grad(shared_w));
    CHECK(has_grad(param(*d, "block2.c2.weight_orig")));
    for (int64_t j = 0; j < 4; ++j) {
      std::string b = "branches." + std::to_string(j) + ".";
      CHECK(has_grad(param(*d, b + "block4.c1.weight_orig")) == (i == j));
      CHECK(has_grad(param(*d, b + "head.linear.weight_orig")) == (i == j));
    }
    sum_of_grads = sum_of_grads + shared_w.grad();
  }
  d->zero_grad();
  for (double w : nn::kSlimWidths) {
    d->set_width_mult(w);
    sum((*d)(x, y)).backward();
  }
  CHECK(max(abs(shared_w.grad() - sum_of_grads)).item() <= 1e-5 * max(abs(sum_of_grads)).item());

  // n_share = -1 shares only the head; 4 shares every block.
  auto d_head = tiny_d(-1);
  CHECK(d_head->state_dict().count("head.linear.weight_orig") == 1);
  CHECK(d_head->state_dict().count("branches.2.block1.c1.weight_orig") == 1);
  auto d_all = tiny_d(4);
  CHECK(d_all->state_dict().count("block4.c2.weight_orig") == 1);
  CHECK(d_all->state_dict().count("branches.0.head.embed.weight_orig") == 1);
  CHECK_THROWS_WITH(tiny_d(5), Contains("n_share must be in [-1, 4]"));
}

TEST_CASE("an exported width equals the slimmable nets at that width exactly (CPU)", "[slimgan]") {
  manual_seed(4);
  // ch 10: 0.25 and 0.75 round (2.5 -> 3, 7.5 -> 8), so l1's slice must follow the channels.
  auto g = tiny_g(10);
  randomize(*g);
  g->eval();
  Tensor z = randn({5, 6}, default_generator()) * 2.0;
  Tensor y = labels({2, 0, 1, 1, 2});
  for (double w : nn::kSlimWidths) {
    INFO("width " << w);
    gan::DenseExport e = gan::export_width(*g, w);
    CHECK(e.model == "sngan_generator");
    CHECK(e.options.at("ch") == std::to_string(nn::slim_channels(10, w)));
    nn::ModulePtr dense = gan::make_model(e.model, e.options);
    dense->load_state_dict(e.state);  // strict: every key, every shape
    dense->eval();
    NoGradGuard ng;
    nn::set_labels(*dense, y);
    Tensor a = (*dense)(z);
    Tensor b = compress::generate_at(*g, w, z, y);
    CHECK(same_values(a, b));
    // Copies, not views: the export stays when the slimmable G trains on.
    CHECK(e.state.at("l1.weight").impl()->storage != param(*g, "l1.weight").impl()->storage);
  }
  CHECK_THROWS_WITH(gan::export_width(*g, 0.3), Contains("not one of its widths"));

  for (int64_t n_share : {-1, 2}) {
    auto d = tiny_d(n_share);
    d->train();
    {
      NoGradGuard ng;  // a few power iterations, so u and v differ between the widths
      for (double w : nn::kSlimWidths)
        for (int i = 0; i < 2; ++i) {
          d->set_width_mult(w);
          (*d)(randn({2, 1, 32, 32}, default_generator()), labels({0, 1}));
        }
    }
    d->eval();
    Tensor x = randn({3, 1, 32, 32}, default_generator());
    Tensor yd = labels({1, 2, 0});
    for (double w : nn::kSlimWidths) {
      INFO("n_share " << n_share << ", width " << w);
      gan::DenseExport e = gan::export_width(*d, w);
      nn::ModulePtr dense = gan::make_model(e.model, e.options);
      dense->load_state_dict(e.state);
      dense->eval();
      NoGradGuard ng;
      nn::set_labels(*dense, yd);
      d->set_width_mult(w);
      CHECK(same_values((*dense)(x), (*d)(x, yd)));
    }
  }
}

TEST_CASE("the distillation term equals alpha/(K-1) sum_i MSE(G_wi, sg(G_wi+1)) by hand",
          "[slimgan]") {
  manual_seed(5);
  auto g = tiny_g();
  randomize(*g);
  g->eval();
  Tensor z = randn({3, 6}, default_generator());
  Tensor y = labels({1, 0, 2});
  std::vector<std::vector<float>> out;
  {
    NoGradGuard ng;
    for (double w : nn::kSlimWidths)
      out.push_back(compress::generate_at(*g, w, z, y).to_vector<float>());
  }
  auto mse = [&](size_t i, size_t j) {
    double s = 0;
    for (size_t k = 0; k < out[i].size(); ++k) {
      double d = static_cast<double>(out[i][k]) - out[j][k];
      s += d * d;
    }
    return s / static_cast<double>(out[i].size());
  };
  const double alpha = 7.0;
  std::vector<double> pairs;
  Tensor loss = compress::distillation_loss(*g, nn::kSlimWidths, alpha, true, z, y, &pairs);
  double by_hand = alpha / 3.0 * (mse(0, 1) + mse(1, 2) + mse(2, 3));
  CHECK(loss.item() == Approx(by_hand).epsilon(1e-5));
  REQUIRE(pairs.size() == 3);
  CHECK(pairs[1] == Approx(mse(1, 2)).epsilon(1e-5));
  Tensor widest_target = compress::distillation_loss(*g, nn::kSlimWidths, alpha, false, z, y);
  CHECK(widest_target.item() ==
        Approx(alpha / 3.0 * (mse(0, 3) + mse(1, 3) + mse(2, 3))).epsilon(1e-5));
  CHECK_FALSE(compress::distillation_loss(*g, nn::kSlimWidths, 0.0, true, z, y).defined());

  // The targets are stop-gradients: with widths {0.5, 1} only the 0.5 prefix gets a gradient.
  auto g2 = tiny_g(8, 3, {0.5, 1.0});
  g2->eval();
  compress::distillation_loss(*g2, {0.5, 1.0}, 1.0, true, z, y).backward();
  check_leading_block(param(*g2, "block3.c2.weight").grad(), 4, 4);
  CHECK(g2->channels() == 8);  // left at the widest
}

TEST_CASE("slimgan D and G steps on tiny nets: finite losses, one update each, D frozen in G's",
          "[slimgan]") {
  manual_seed(6);
  auto g = tiny_g();
  auto d = tiny_d(2);
  nn::Adam opt_g(g->parameters(), 2e-4, 0.0, 0.9), opt_d(d->parameters(), 2e-4, 0.0, 0.9);
  Generator gen(7);
  compress::SlimGanNets nets{*g,
                             *d,
                             opt_g,
                             opt_d,
                             [&gen](int64_t n) {
                               return randn({n, 6}, gen);
                             },
                             [&gen](int64_t n) { return randint(0, 3, {n}, gen); }};
  compress::SlimGanParams p;
  p.alpha = 10.0;
  Tensor real = tanh(randn({4, 1, 32, 32}, gen));
  Tensor real_y = labels({0, 1, 2, 0});

  auto snapshot = [](nn::Module& m) {
    TensorMap s;
    for (auto& [n, t] : m.named_parameters()) s[n] = t.clone();
    return s;
  };
  auto changed = [](nn::Module& m, const TensorMap& before) {
    int64_t n_changed = 0;
    for (auto& [n, t] : m.named_parameters()) n_changed += !same_values(t, before.at(n));
    return n_changed;
  };

  gan::Scalars log;
  TensorMap g0 = snapshot(*g), d0 = snapshot(*d);
  compress::slimgan_d_step(nets, p, gan::GanMode::hinge, real, real_y, log);
  CHECK(changed(*g, g0) == 0);
  CHECK(changed(*d, d0) > 0);
  CHECK(opt_d.state_dict().at("step").item() == 1);  // one optimizer step for four widths
  // Every branch's head moved: each width's loss took part.
  for (int i = 0; i < 4; ++i) {
    std::string k = "branches." + std::to_string(i) + ".head.linear.weight_orig";
    CHECK_FALSE(same_values(param(*d, k), d0.at(k)));
  }

  TensorMap g1 = snapshot(*g), d1 = snapshot(*d);
  d->zero_grad();  // the D step's gradients stay until its next zero_grad
  compress::slimgan_g_step(nets, p, gan::GanMode::hinge, 4, log);
  CHECK(changed(*d, d1) == 0);
  for (auto& [n, t] : d->named_parameters()) {
    INFO(n);
    CHECK_FALSE(t.grad().defined());
    CHECK(t.requires_grad());  // unfrozen again
  }
  CHECK(changed(*g, g1) > 0);
  CHECK(opt_g.state_dict().at("step").item() == 1);

  std::vector<std::string> names;
  for (auto& [n, v] : log) {
    INFO(n << " = " << v);
    CHECK(std::isfinite(v));
    names.push_back(n);
  }
  CHECK(names == std::vector<std::string>{"d_loss", "d_loss_0.25", "d_loss_0.5", "d_loss_0.75",
                                          "d_loss_1", "g_loss", "distill", "g_loss_0.25",
                                          "g_loss_0.5", "g_loss_0.75", "g_loss_1", "distill_0.25",
                                          "distill_0.5", "distill_0.75"});
  double d_sum = 0;
  for (size_t i = 1; i <= 4; ++i) d_sum += log[i].second;
  CHECK(log[0].second == Approx(d_sum));
  CHECK(log[6].second > 0);  // the widths differ, so the distillation term is positive
}

TEST_CASE("slimgan params: defaults from the nets, and errors naming the JSON Pointer",
          "[slimgan]") {
  compress::SlimGanParams p = compress::slimgan_params(slimgan_spec());
  CHECK(p.widths == nn::kSlimWidths);
  CHECK(p.n_share == 2);
  CHECK(p.alpha == 10.0);
  CHECK(p.stepwise);
  // The defaults, those derived from the nets included, are in the resolved spec.
  CHECK(slimgan_spec()["technique"]["params"] == json({{"widths", {0.25, 0.5, 0.75, 1.0}},
                                                       {"alpha", 10.0},
                                                       {"n_share", 2},
                                                       {"stepwise", true}}));
  p = compress::slimgan_params(slimgan_spec({{"alpha", 20}, {"stepwise", false}},
                                            {{"widths", "0.5,1"}},
                                            {{"widths", "0.5,1"}, {"n_share", -1}}));
  CHECK(p.widths == std::vector<double>{0.5, 1.0});
  CHECK(p.alpha == 20.0);
  CHECK(p.n_share == -1);
  CHECK_FALSE(p.stepwise);
  // Given, widths and n_share must equal the nets'.
  p = compress::slimgan_params(slimgan_spec({{"widths", {0.25, 0.5, 0.75, 1}}, {"n_share", 2}}));
  CHECK(p.n_share == 2);

  auto error_of = [](const json& spec) -> std::string {
    try {
      gan::resolve_spec(spec);
    } catch (const gan::SpecError& e) {
      return e.what();
    }
    return "no error";
  };
  CHECK_THAT(error_of(raw_slimgan_spec({{"widths", {0.5, 0.25}}})),
             Contains("/technique/params/widths: slimgan: widths must be strictly ascending"));
  CHECK_THAT(error_of(raw_slimgan_spec({{"widths", {0.5, 1.5}}})),
             Contains("/technique/params/widths/1: expected a number in (0, 1], got 1.5"));
  CHECK_THAT(error_of(raw_slimgan_spec({{"widths", "0.5,1"}})),
             Contains("/technique/params/widths: expected null or an array of numbers"));
  CHECK_THAT(error_of(raw_slimgan_spec({{"widths", {0.5, 1}}})),
             Contains("/technique/params/widths: [0.5,1] differs from model.G's widths "
                      "[0.25,0.5,0.75,1]"));
  CHECK_THAT(error_of(raw_slimgan_spec({{"alpha", -1}})),
             Contains("/technique/params/alpha: expected a number >= 0, got -1"));
  CHECK_THAT(error_of(raw_slimgan_spec({{"alpha", "high"}})),
             Contains("/technique/params/alpha: expected a number >= 0, got \"high\""));
  CHECK_THAT(error_of(raw_slimgan_spec({{"n_share", 5}})),
             Contains("/technique/params/n_share: expected an integer in [-1, 4], got 5"));
  CHECK_THAT(error_of(raw_slimgan_spec({{"n_share", 3}})),
             Contains("/technique/params/n_share: 3 differs from model.D's n_share 2"));
  CHECK_THAT(error_of(raw_slimgan_spec({{"stepwise", "yes"}})),
             Contains("/technique/params/stepwise: expected a boolean"));
  CHECK_THAT(error_of(raw_slimgan_spec({{"alpah", 1}})),
             Contains("/technique/params/alpah: unknown key 'alpah'; did you mean 'alpha'?"));
  CHECK_THAT(error_of(raw_slimgan_spec(json::object(), {{"widths", "0.5,1"}})),
             Contains("/model/D/options/widths: [0.25,0.5,0.75,1] differs from model.G's widths "
                      "[0.5,1]"));
  CHECK_THAT(error_of(raw_slimgan_spec(json::object(), {{"widths", "1,0.5"}})),
             Contains("/model/G/options/widths: widths must be strictly ascending"));
  json s = raw_slimgan_spec();
  s["losses"]["gan_mode"] = "lsgan";
  CHECK_THAT(error_of(s), Contains("/losses/gan_mode: slimgan trains with the hinge loss"));
  s = raw_slimgan_spec();
  s["model"]["G"]["name"] = "sngan_generator";
  CHECK_THAT(error_of(s), Contains("/model/G/name: slimgan trains slim_sngan_generator"));
  s = raw_slimgan_spec();
  s["model"]["D"]["name"] = "sngan_discriminator";
  CHECK_THAT(error_of(s), Contains("/model/D/name: slimgan trains slim_sngan_discriminator"));
}

TEST_CASE("slim SNGAN nets by registry name; registry option errors", "[slimgan]") {
  manual_seed(8);
  auto g = gan::make_model("slim_sngan_generator",
                           {{"ch", "8"}, {"z_dim", "6"}, {"widths", "0.5,1"}, {"width", "0.5"}});
  REQUIRE(std::dynamic_pointer_cast<gan::SlimSnganGenerator>(g));
  CHECK(std::dynamic_pointer_cast<gan::SlimSnganGenerator>(g)->channels() == 4);
  CHECK(gan::profile_input("slim_sngan_generator", {{"z_dim", "6"}}, 2, 32, 32) == Shape{2, 6});
  auto d = gan::make_model("slim_sngan_discriminator", {{"ndf", "4"}, {"n_share", "-1"}});
  CHECK(std::dynamic_pointer_cast<gan::SlimSnganDiscriminator>(d)->width_index() == 3);
  CHECK_THROWS_WITH(gan::make_model("slim_sngan_generator", {{"widths", "0.5,x"}}),
                    Contains("slim_sngan_generator: option widths: expected comma-separated"));
  CHECK_THROWS_WITH(gan::make_model("slim_sngan_generator", {{"widths", "1,0.5"}}),
                    Contains("strictly ascending"));
  CHECK_THROWS_WITH(gan::make_model("slim_sngan_discriminator", {{"width", "0.3"}}),
                    Contains("not one of its widths"));
}

TEST_CASE("export_slimgan_width writes a plain sngan run checkpoint of one width", "[slimgan]") {
  manual_seed(9);
  json spec = slimgan_spec();
  auto g = std::dynamic_pointer_cast<gan::SlimSnganGenerator>(
      gan::make_model("slim_sngan_generator", gan::spec_model_options(spec, "G")));
  auto d = gan::make_model("slim_sngan_discriminator", gan::spec_model_options(spec, "D"));
  randomize(*g);
  TensorMap tensors;
  for (auto& [k, v] : g->state_dict()) tensors["G." + k] = v;
  for (auto& [k, v] : d->state_dict()) tensors["D." + k] = v;
  tensors["opt_G.step"] = ones({1}, DType::f64);  // other run state is ignored

  Safetensors out = compress::export_slimgan_width({spec, 1234, tensors, {}, ""}, 0.5);
  CHECK(out.metadata.at("step") == "1234");
  CHECK(out.metadata.at("width") == "0.5");
  json plain = json::parse(out.metadata.at("spec"));
  CHECK(plain["technique"]["name"].is_null());
  CHECK(plain["name"] == "slim_test_w0.5");
  CHECK(plain["model"]["G"]["name"] == "sngan_generator");
  CHECK(plain["model"]["G"]["options"]["ch"] == 4);
  CHECK(plain["model"]["D"]["name"] == "sngan_discriminator");
  CHECK(plain == gan::resolve_spec(plain));
  CHECK(out.tensors.count("opt_G.step") == 0);

  nn::ModulePtr dense = gan::make_model("sngan_generator", gan::spec_model_options(plain, "G"));
  TensorMap gs;
  for (auto& [k, v] : out.tensors)
    if (k.rfind("G.", 0) == 0) gs[k.substr(2)] = v;
  dense->load_state_dict(gs);
  dense->eval();
  g->eval();
  nn::ModulePtr dense_d =
      gan::make_model("sngan_discriminator", gan::spec_model_options(plain, "D"));
  TensorMap ds;
  for (auto& [k, v] : out.tensors)
    if (k.rfind("D.", 0) == 0) ds[k.substr(2)] = v;
  dense_d->load_state_dict(ds);

  Tensor z = randn({3, 6}, default_generator());
  Tensor y = labels({0, 2, 1});
  NoGradGuard ng;
  nn::set_labels(*dense, y);
  CHECK(same_values((*dense)(z), compress::generate_at(*g, 0.5, z, y)));

  json other = spec;
  other["technique"]["name"] = nullptr;
  CHECK_THROWS_WITH(compress::export_slimgan_width({other, 0, tensors, {}, ""}, 0.5),
                    Contains("not slimgan"));
  CHECK_THROWS_WITH(compress::export_slimgan_width({spec, 0, tensors, {}, ""}, 0.3),
                    Contains("not one of its widths"));
}

TEST_CASE("slimgan through the trainer: per-width scalars, exact resume, export of a width",
          "[slimgan]") {
  if (!data::fashion_mnist_available()) {
    WARN("skipped: Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)");
    return;
  }
  const fs::path out = fs::path(P_tmpdir) / ("ganlite_slimgan_" + std::to_string(getpid()));
  fs::remove_all(out);
  json spec = slimgan_spec({{"alpha", 10}}, {{"num_classes", 10}}, {{"num_classes", 10}});
  spec["data"]["limit"] = 40;
  spec["schedule"]["steps"] = 4;
  spec["logging"] = {
      {"log_every", 1}, {"sample_every", 0}, {"checkpoint_every", 2}, {"out_dir", out.string()}};
  spec = gan::resolve_spec(spec);
  auto train = [&](const std::string& name, int64_t stop_after, const std::string& resume) {
    json s = spec;
    s["name"] = name;
    gan::TrainOptions o;
    o.quiet = true;
    o.stop_after = stop_after;
    o.resume_dir = resume;
    return gan::train(s, std::move(o));
  };
  const gan::TrainResult whole = train("whole", -1, "");
  CHECK(whole.steps_done == 4);
  for (const char* k : {"d_loss", "g_loss", "distill", "d_loss_0.25", "g_loss_1", "distill_0.75"}) {
    INFO(k);
    bool found = false;
    for (auto& [n, v] : whole.last) found = found || n == k;
    CHECK(found);
  }
  const gan::TrainResult first = train("split", 2, "");
  CHECK(first.interrupted);
  const gan::TrainResult rest = train("split", -1, first.run_dir);
  CHECK(rest.steps_done == 4);
  const gan::RunCheckpoint a = gan::load_run_checkpoint(whole.run_dir);
  const gan::RunCheckpoint b = gan::load_run_checkpoint(rest.run_dir);
  CHECK(a.step == 4);
  REQUIRE(a.tensors.size() == b.tensors.size());
  for (const auto& [k, v] : a.tensors) {
    INFO(k);
    CHECK(same_values(v.to(DType::f64), b.tensors.at(k).to(DType::f64)));
  }

  // The same run with an EMA generator (checked below).
  {
    json s = spec;
    s["name"] = "ema";
    s["ema"] = {{"decay", 0.5}};
    gan::TrainOptions o;
    o.quiet = true;
    gan::train(gan::resolve_spec(s), std::move(o));
  }

  // Export width 0.5 to a file; load_network builds the dense G from it.
  const Safetensors e = compress::export_slimgan_width(a, 0.5);
  const std::string path = (out / "w0.5.safetensors").string();
  save_safetensors(path, e.tensors, e.metadata);
  const gan::RunCheckpoint c = gan::load_run_checkpoint(path);
  CHECK(c.step == 4);
  CHECK(c.spec["technique"]["name"].is_null());
  nn::ModulePtr dense = gan::load_network(c, "G");
  REQUIRE(std::dynamic_pointer_cast<gan::SnganGenerator>(dense));
  CHECK(std::dynamic_pointer_cast<gan::SnganGenerator>(dense)->options().ch == 4);
  REQUIRE(std::dynamic_pointer_cast<gan::SnganDiscriminator>(gan::load_network(c, "D")));
  nn::ModulePtr slim = gan::load_network(a, "G");
  Tensor z = randn({3, 6}, default_generator());
  Tensor y = labels({9, 0, 4});
  NoGradGuard ng;
  nn::set_labels(*dense, y);
  CHECK(same_values((*dense)(z), compress::generate_at(*slim, 0.5, z, y)));

  // With an EMA generator, the width export and the report rows are made from G_ema.
  const gan::RunCheckpoint m = gan::load_run_checkpoint((out / "ema").string());
  REQUIRE(gan::deploy_network(m) == "G_ema");
  nn::ModulePtr ema = gan::load_network(m, "G_ema"), raw = gan::load_network(m, "G");
  const Tensor want = compress::generate_at(*ema, 0.5, z, y);
  CHECK_FALSE(same_values(want, compress::generate_at(*raw, 0.5, z, y)));
  const Safetensors me = compress::export_slimgan_width(m, 0.5);
  const std::string mpath = (out / "ema_w0.5.safetensors").string();
  save_safetensors(mpath, me.tensors, me.metadata);
  nn::ModulePtr mdense = gan::load_network(gan::load_run_checkpoint(mpath), "G");
  nn::set_labels(*mdense, y);
  CHECK(same_values((*mdense)(z), want));
  const std::vector<gan::ReportVariant> rows = gan::find_technique("slimgan")->report_variants(m);
  REQUIRE(rows.size() == 4);
  nn::set_labels(*rows[1].dense, y);
  CHECK(same_values((*rows[1].dense)(z), want));
  fs::remove_all(out);
}

// Hidden: ./test_engine "[.slimgan_timing]" times one SlimGAN step (D step + G step over the
// four widths, alpha 10) at batch 32 on 1-channel 32x32 images for a few G/D sizes; the
// environment variables SLIMGAN_TIMING ("16x16,32x32": ch x ndf) and SLIMGAN_TIMING_BATCH
// choose others.
TEST_CASE("slimgan step time by network size", "[.slimgan_timing]") {
  struct Size {
    int64_t ch, ndf;
  };
  // SLIMGAN_TIMING="16x16,32x32" picks the (ch x ndf) sizes.
  std::vector<Size> sizes{{16, 16}, {32, 16}, {32, 32}, {48, 32}, {64, 32}, {64, 64}};
  if (const char* env = std::getenv("SLIMGAN_TIMING")) {
    sizes.clear();
    std::string list = env;
    for (size_t at = 0; at < list.size();) {
      size_t comma = std::min(list.find(',', at), list.size());
      std::string item = list.substr(at, comma - at);
      size_t x = item.find('x');
      sizes.push_back({std::stoll(item.substr(0, x)), std::stoll(item.substr(x + 1))});
      at = comma + 1;
    }
  }
  const int64_t batch = std::getenv("SLIMGAN_TIMING_BATCH")
                            ? std::stoll(std::getenv("SLIMGAN_TIMING_BATCH"))
                            : 32;  // SLIMGAN_TIMING_BATCH overrides
  for (Size s : sizes) {
    manual_seed(10);
    gan::SlimSnganGeneratorOptions go;
    go.z_dim = 128;
    go.ch = s.ch;
    go.output_nc = 1;
    gan::SlimSnganGenerator g(go);
    gan::SlimSnganDiscriminatorOptions dopt;
    dopt.input_nc = 1;
    dopt.ndf = s.ndf;
    gan::SlimSnganDiscriminator d(dopt);
    nn::Adam opt_g(g.parameters(), 2e-4, 0.0, 0.9), opt_d(d.parameters(), 2e-4, 0.0, 0.9);
    Generator gen(11);
    compress::SlimGanNets nets{g,
                               d,
                               opt_g,
                               opt_d,
                               [&gen](int64_t n) {
                                 return randn({n, 128}, gen);
                               },
                               [&gen](int64_t n) { return randint(0, 10, {n}, gen); }};
    compress::SlimGanParams p;
    Tensor real = tanh(randn({batch, 1, 32, 32}, gen));
    Tensor real_y = randint(0, 10, {batch}, gen);
    gan::Scalars log;
    compress::slimgan_d_step(nets, p, gan::GanMode::hinge, real, real_y, log);  // warm-up
    // Wall time and this process's CPU time (the machine may be shared: CPU time / threads is
    // what an idle machine's wall time would be).
    const int reps = 3;
    double d_s = 0, g_s = 0;
    std::clock_t c0 = std::clock();
    for (int r = 0; r < reps; ++r) {
      auto t0 = std::chrono::steady_clock::now();
      compress::slimgan_d_step(nets, p, gan::GanMode::hinge, real, real_y, log);
      auto t1 = std::chrono::steady_clock::now();
      compress::slimgan_g_step(nets, p, gan::GanMode::hinge, batch, log);
      auto t2 = std::chrono::steady_clock::now();
      d_s += std::chrono::duration<double>(t1 - t0).count();
      g_s += std::chrono::duration<double>(t2 - t1).count();
    }
    double cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC / reps;
    std::printf(
        "batch %lld, ch %3lld ndf %3lld: G %7lld params, D %7lld params: wall D step %.3f s + G "
        "step "
        "%.3f s = %.3f s; CPU %.3f s\n",
        (long long)batch, (long long)s.ch, (long long)s.ndf, (long long)g.num_parameters(),
        (long long)d.num_parameters(), d_s / reps, g_s / reps, (d_s + g_s) / reps, cpu);
  }
}
