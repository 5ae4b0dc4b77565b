// DMAD's bound schedule and sparsity terms (compress/dmad/sparsity.h) on hand-made masks; its
// co-attention and D-feature terms (compress/dmad/attention.h) against PyTorch
// (tests/make_attention_refs.py).
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "compress/dmad/attention.h"
#include "compress/dmad/sparsity.h"
#include "engine/autograd.h"
#include "engine/ops.h"

using namespace ganlite;

namespace {

Tensor vec(std::vector<double> v) {
  const int64_t n = static_cast<int64_t>(v.size());
  return from_vector(v, {n});
}

}  // namespace

TEST_CASE("dmad: the bound falls as 1 - (k/150)^(1/3) over 75 % of the run, 0 after", "[dmad]") {
  // 1000 steps: updates every 5 steps over the first 750.
  CHECK(compress::dmad_bound(0, 1000) == 1.0);
  CHECK(compress::dmad_bound(4, 1000) == 1.0);
  CHECK(compress::dmad_bound(5, 1000) == Approx(1 - std::cbrt(1.0 / 150)));
  CHECK(compress::dmad_bound(375, 1000) == Approx(1 - std::cbrt(0.5)));
  CHECK(compress::dmad_bound(749, 1000) == Approx(1 - std::cbrt(149.0 / 150)));
  CHECK(compress::dmad_bound(750, 1000) == 0.0);
  CHECK(compress::dmad_bound(999, 1000) == 0.0);
}

TEST_CASE("dmad: relu and bound sparsity count the in-band channels only", "[dmad]") {
  const double b = 0.5;
  // in band: -0.2, 0.1, 0.4; out: -0.9 (pruned), 0.5 (kept: w >= b), 2 (kept)
  Tensor w = vec({-0.2, -0.9, 0.1, 0.5, 0.4, 2.0}).requires_grad_(true);
  const Tensor r = compress::relu_sparsity(w, b);
  CHECK(r.item() == Approx((-0.2 + b) + (0.1 + b) + (0.4 + b)));
  CHECK(grad({r}, {w})[0].to_vector<double>() == std::vector<double>{1, 0, 1, 0, 1, 0});
  const Tensor s = compress::bound_sparsity(w, b);
  const double d0 = b - 0.2, d2 = b - 0.1, d4 = b - 0.4,
               norm = std::sqrt(d0 * d0 + d2 * d2 + d4 * d4);
  CHECK(s.item() == Approx(norm));
  // d/dw_c = -(b - |w_c|) sign(w_c) / norm in the band
  const auto g = grad({s}, {w})[0].to_vector<double>();
  CHECK(g[0] == Approx(d0 / norm));
  CHECK(g[2] == Approx(-d2 / norm));
  CHECK(g[1] == 0);
  CHECK(g[3] == 0);
  // No channel in the band: both 0.
  CHECK(compress::relu_sparsity(vec({-1, 1}), 0.5).item() == 0);
  CHECK(compress::bound_sparsity(vec({-1, 1}), 0.5).item() == 0);
}

TEST_CASE("dmad: group coefficients on a hand-made set of masks", "[dmad]") {
  const double b = 0.5, lambda = 2.0;
  // Three members over four channels:
  //   c0: kept by member 1 (0.7)                       -> 0
  //   c1: pruned everywhere (<= -b)                    -> 0
  //   c2: in the band in all three                     -> 2 * 3/3 = 2
  //   c3: in the band in one member, pruned in two     -> 2 * 3/1 = 6
  const std::vector<Tensor> members = {vec({0.1, -0.8, 0.2, -0.6}), vec({0.7, -0.5, -0.1, -0.9}),
                                       vec({-0.3, -1.0, 0.0, 0.3})};
  const std::vector<double> coef = compress::group_coefficients(members, b, lambda);
  CHECK(coef == std::vector<double>{0, 0, 2, 6});
  const Tensor loss = compress::group_sparsity(members, coef, b);
  // in-band (w + b) * coef: c2 in all three (0.7, 0.4, 0.5) * 2; c3 in member 3 (0.8) * 6
  CHECK(loss.item() == Approx((0.7 + 0.4 + 0.5) * 2 + 0.8 * 6));
  CHECK_THROWS_WITH(compress::group_coefficients({vec({1, 2}), vec({1})}, b, lambda),
                    Catch::Matchers::Contains("2 and 1 channels"));
}

TEST_CASE("dmad: co-attention loss and D-feature distance equal PyTorch's, with gradients",
          "[dmad]") {
  std::ifstream f(std::string(GANLITE_TEST_DATA) + "/attention_refs.json");
  REQUIRE(f.good());
  const nlohmann::json r = nlohmann::json::parse(f);
  auto tensors = [&](const char* key, int which) {
    std::vector<Tensor> out;
    for (size_t l = 0; l < r[key].size(); ++l)
      out.push_back(
          from_vector(r[key][l].get<std::vector<double>>(), r["shapes"][which][l].get<Shape>())
              .requires_grad_(true));
    return out;
  };
  const std::vector<Tensor> s = tensors("student", 0), tg = tensors("teacher_g", 1),
                            td = tensors("teacher_d", 2);
  const Tensor loss = compress::co_attention_loss(s, tg, td);
  CHECK(loss.item() == Approx(r["loss"].get<double>()).epsilon(1e-12));
  CHECK_FALSE(grad({loss}, {tg[0]}, {}, true, true)[0].defined());  // teacher G detached
  std::vector<Tensor> wrt = s;
  wrt.insert(wrt.end(), td.begin(), td.end());
  const std::vector<Tensor> g = grad({loss}, wrt);
  for (size_t i = 0; i < wrt.size(); ++i) {
    const nlohmann::json& want =
        i < s.size() ? r["grad_student"][i] : r["grad_teacher_d"][i - s.size()];
    const auto got = g[i].to_vector<double>();
    const auto ref = want.get<std::vector<double>>();
    REQUIRE(got.size() == ref.size());
    for (size_t k = 0; k < got.size(); ++k) CHECK(got[k] == Approx(ref[k]).margin(1e-12));
  }

  Tensor u = from_vector(r["u"].get<std::vector<double>>(), r["uv_shape"].get<Shape>())
                 .requires_grad_(true);
  const Tensor v = from_vector(r["v"].get<std::vector<double>>(), r["uv_shape"].get<Shape>());
  const Tensor dist = compress::d_feature_distance(u, v);
  CHECK(dist.item() == Approx(r["distance"].get<double>()).epsilon(1e-12));
  const auto gu = grad({dist}, {u})[0].to_vector<double>();
  const auto want = r["grad_u"].get<std::vector<double>>();
  for (size_t k = 0; k < gu.size(); ++k) CHECK(gu[k] == Approx(want[k]).margin(1e-12));
  CHECK_THROWS_WITH(compress::co_attention_loss({s[0]}, {tg[1]}, {td[0]}),
                    Catch::Matchers::Contains("hook 0"));
}
