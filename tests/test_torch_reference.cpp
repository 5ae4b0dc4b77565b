// Forward outputs and input gradients against PyTorch (float64), from tests/data/torch_refs.json
// written by tests/make_torch_refs.py. Running statistics of training batch norm are compared too.
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "engine/autograd.h"
#include "engine/ops.h"

using namespace ganlite;
using json = nlohmann::json;

namespace {

Tensor from_json(const json& j) {
  return from_vector(j.at("data").get<std::vector<double>>(), j.at("shape").get<Shape>());
}

std::array<int64_t, 2> pair(const json& params, const char* key, int64_t dflt) {
  if (!params.contains(key)) return {dflt, dflt};
  const json& v = params.at(key);
  if (v.is_array()) return {v[0].get<int64_t>(), v[1].get<int64_t>()};
  return {v.get<int64_t>(), v.get<int64_t>()};
}

using Inputs = std::map<std::string, Tensor>;

Tensor opt(const Inputs& in, const char* key) {
  auto it = in.find(key);
  return it == in.end() ? Tensor() : it->second;
}

// Calls our op named by the case with the case's parameters.
Tensor run_op(const std::string& op, const json& p, const Inputs& in, const Inputs& k) {
  if (op == "conv2d")
    return conv2d(in.at("x"), in.at("w"), opt(in, "b"), pair(p, "stride", 1), pair(p, "padding", 0),
                  pair(p, "dilation", 1), p.value("groups", 1));
  if (op == "conv_transpose2d")
    return conv_transpose2d(in.at("x"), in.at("w"), opt(in, "b"), pair(p, "stride", 1),
                            pair(p, "padding", 0), pair(p, "output_padding", 0),
                            p.value("groups", 1), pair(p, "dilation", 1));
  if (op == "batch_norm")
    return batch_norm(in.at("x"), in.at("w"), in.at("b"), k.at("running_mean"), k.at("running_var"),
                      p.at("training").get<bool>(), p.at("momentum").get<double>(),
                      p.at("eps").get<double>());
  if (op == "instance_norm")
    return instance_norm(in.at("x"), opt(in, "w"), opt(in, "b"), p.at("eps").get<double>());
  if (op == "group_norm")
    return group_norm(in.at("x"), p.at("groups").get<int64_t>(), in.at("w"), in.at("b"),
                      p.at("eps").get<double>());
  if (op == "norm_mask_act") {
    MaskedNorm o;
    const bool batch = p.at("norm") == "batch";
    o.norm = batch ? MaskedNorm::Norm::batch : MaskedNorm::Norm::instance;
    o.act = p.at("act") == "relu" ? MaskedNorm::Act::relu : MaskedNorm::Act::leaky_relu;
    o.slope = p.value("slope", 0.2);
    o.training = p.value("training", true);
    o.momentum = p.value("momentum", 0.1);
    o.eps = p.at("eps");
    return norm_mask_act(in.at("x"), in.at("w"), in.at("b"),
                         batch ? k.at("running_mean") : Tensor(),
                         batch ? k.at("running_var") : Tensor(), in.at("mask"), o);
  }
  if (op == "upsample_nearest2d") return upsample_nearest2d(in.at("x"), p.at("scale"));
  if (op == "upsample_bilinear2d") return upsample_bilinear2d(in.at("x"), p.at("scale"));
  if (op == "reflection_pad2d")
    return reflection_pad2d(in.at("x"), p.at("pad").get<std::array<int64_t, 4>>());
  if (op == "max_pool2d")
    return max_pool2d(in.at("x"), p.at("kernel"), p.at("stride"), p.at("padding"));
  if (op == "zero_pad2d") return zero_pad2d(in.at("x"), p.at("pad").get<std::array<int64_t, 4>>());
  if (op == "mse_loss") return mse_loss(in.at("x"), in.at("y"));
  if (op == "l1_loss") return l1_loss(in.at("x"), in.at("y"));
  if (op == "smooth_l1_loss") return smooth_l1_loss(in.at("x"), in.at("y"), p.at("beta"));
  if (op == "bce_with_logits") return bce_with_logits(in.at("x"), in.at("t"));
  if (op == "hinge_loss") return hinge_loss(in.at("x"), p.at("sign").get<double>());
  if (op == "cross_entropy") return cross_entropy(in.at("x"), k.at("target"));
  FAIL("torch_refs.json names op " << op << " that this test does not know");
  return Tensor();
}

double max_rel_diff(const Tensor& ours, const json& ref) {
  std::vector<double> a = ours.to_vector<double>();
  std::vector<double> b = ref.at("data").get<std::vector<double>>();
  REQUIRE(ours.shape() == ref.at("shape").get<Shape>());
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i)
    // Relative for values of order 1, absolute (1e-9) for values near zero.
    worst = std::max(worst, std::abs(a[i] - b[i]) / (1e-2 + std::abs(b[i])));
  return worst;
}

}  // namespace

TEST_CASE("forward and backward match PyTorch on the reference cases", "[torch]") {
  std::ifstream f(std::string(GANLITE_TEST_DATA) + "/torch_refs.json");
  REQUIRE(f.good());
  json refs = json::parse(f);
  REQUIRE(refs.at("cases").size() >= 20);
  for (const json& c : refs.at("cases")) {
    std::string name = c.at("name"), op = c.at("op");
    INFO("case " << name << " (op " << op << ")");
    Inputs in, k;
    for (auto& [key, v] : c.at("inputs").items()) in[key] = from_json(v).requires_grad_(true);
    for (auto& [key, v] : c.at("constants").items()) {
      k[key] = from_json(v);
      if (key == "target") k[key] = k[key].to(DType::i64);
    }
    Tensor out = run_op(op, c.at("params"), in, k);
    double fwd = max_rel_diff(out, c.at("output"));
    INFO("forward max relative difference " << fwd);
    CHECK(fwd < 1e-7);
    out.backward(from_json(c.at("grad_out")));
    for (auto& [key, v] : c.at("grads").items()) {
      REQUIRE(in[key].grad().defined());
      double bwd = max_rel_diff(in[key].grad(), v);
      INFO("gradient of " << key << " max relative difference " << bwd);
      CHECK(bwd < 1e-7);
    }
    if (c.contains("extra"))
      for (auto& [key, v] : c.at("extra").items()) {
        double d = max_rel_diff(k.at(key), v);
        INFO("updated " << key << " max relative difference " << d);
        CHECK(d < 1e-7);
      }
  }
}

// JSON holds no NaN, so PyTorch's rule is written out here: a NaN beats any number, and of two
// NaNs in a window the later one (row-major) is chosen and gets the gradient.
TEST_CASE("max_pool2d chooses NaN as PyTorch does", "[torch]") {
  const double nan = std::nan("");
  const Tensor x = from_vector(std::vector<double>{1, nan, 5, 2, 3, nan, nan, 0}, {1, 1, 2, 4});
  Tensor y = x.detach().requires_grad_(true);
  const Tensor out = max_pool2d(y, 2, 2);
  const auto v = out.to_vector<double>();
  REQUIRE(v.size() == 2);
  CHECK(std::isnan(v[0]));
  CHECK(std::isnan(v[1]));  // 5, 2, nan, 0: the NaN
  const auto g = grad({out}, {y}, {from_vector(std::vector<double>{10, 20}, {1, 1, 1, 2})})[0]
                     .to_vector<double>();
  CHECK(g == std::vector<double>{0, 0, 0, 0, 0, 10, 20, 0});
}
