// CRD's losses: RKD's relation losses (compress/crd/relation.h): values and gradients against
// PyTorch (f64, tests/make_rkd_refs.py), the Gram form of the angles against the direct one, the
// distances against a brute force, f64 finite-difference gradient checks; the slicings; the style
// and feature terms (compress/crd/perceptual.h) against PyTorch (tests/make_perceptual_refs.py).
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "compress/crd/perceptual.h"
#include "compress/crd/relation.h"
#include "engine/autograd.h"
#include "engine/ops.h"
#include "engine/random.h"
#include "gradcheck.h"

using namespace ganlite;
using Catch::Matchers::Contains;

namespace {

double max_abs_diff(const Tensor& a, const Tensor& b) {
  const auto x = a.to(DType::f64).to_vector<double>(), y = b.to(DType::f64).to_vector<double>();
  REQUIRE(x.size() == y.size());
  double m = 0;
  for (size_t i = 0; i < x.size(); ++i) m = std::max(m, std::abs(x[i] - y[i]));
  return m;
}

}  // namespace

TEST_CASE("rkd: distance and angle losses and their gradients equal PyTorch's (f64)", "[crd]") {
  std::ifstream f(std::string(GANLITE_TEST_DATA) + "/rkd_refs.json");
  REQUIRE(f.good());
  const nlohmann::json r = nlohmann::json::parse(f);
  const Shape shape = r["shape"].get<Shape>();
  const Tensor s = from_vector(r["student"].get<std::vector<double>>(), shape);
  const Tensor t = from_vector(r["teacher"].get<std::vector<double>>(), shape);
  for (const char* name : {"distance", "angle"}) {
    INFO(name);
    Tensor x = s.detach().requires_grad_(true);
    const Tensor loss = std::string(name) == "distance" ? compress::rkd_distance_loss(x, t)
                                                        : compress::rkd_angle_loss(x, t);
    CHECK(loss.item() == Approx(r[name].get<double>()).epsilon(1e-12));
    const Tensor g = grad({loss}, {x})[0];
    const Tensor want =
        from_vector(r[std::string(name) + "_grad"].get<std::vector<double>>(), shape);
    CHECK(max_abs_diff(g, want) < 1e-12);
  }
  // RKD = distance + 2 angle
  CHECK(compress::rkd_loss(s, t).item() ==
        Approx(r["distance"].get<double>() + 2 * r["angle"].get<double>()).epsilon(1e-12));
}

TEST_CASE("rkd: the Gram form of the angles equals the direct one", "[crd]") {
  Generator g(11);
  SECTION("random sets, f64 and f32") {
    const Tensor x = randn({3, 9, 4}, g, DType::f64) * 3.0 + 5.0;  // off-centre: the Gram form
    CHECK(max_abs_diff(compress::triplet_angles(x), compress::triplet_angles_direct(x)) < 1e-10);
    const Tensor y = x.to(DType::f32);
    CHECK(max_abs_diff(compress::triplet_angles(y), compress::triplet_angles_direct(y)) < 1e-4);
    // One set without the set dimension: (N, D) -> (N, N, N).
    const Tensor one = x.slice(0, 1, 1).squeeze(0);
    CHECK(compress::triplet_angles(one).shape() == Shape{9, 9, 9});
    CHECK(max_abs_diff(compress::triplet_angles(one), compress::triplet_angles_direct(one)) <
          1e-10);
  }
  SECTION("exact duplicates (rows of background) give angle 0 in both forms") {
    std::vector<double> v = randn({6, 5}, g, DType::f64).to_vector<double>();
    for (int k = 0; k < 5; ++k) v[static_cast<size_t>(5 + k)] = v[static_cast<size_t>(k)] = -1.0;
    const Tensor x = from_vector(v, {6, 5});
    const Tensor a = compress::triplet_angles(x), b = compress::triplet_angles_direct(x);
    CHECK(max_abs_diff(a, b) < 1e-10);
    CHECK(a.slice(0, 0, 1).slice(1, 1, 1).to_vector<double>() == std::vector<double>(6, 0.0));
  }
  SECTION("values the direct form computes: a right angle and a straight line") {
    // x0 at the origin, x1 on the first axis, x2 on the second, x3 opposite x1.
    const Tensor x = from_vector(std::vector<double>{0, 0, 2, 0, 0, 3, -1, 0}, {4, 2});
    const Tensor a = compress::triplet_angles(x);
    auto at = [&](int i, int j, int k) { return a.to_vector<double>()[(i * 4 + j) * 4 + k]; };
    CHECK(at(0, 1, 2) == Approx(0.0).margin(1e-15));
    CHECK(at(0, 1, 3) == Approx(-1.0));
    CHECK(at(0, 1, 1) == Approx(1.0));
    CHECK(at(1, 1, 2) == 0.0);
  }
}

TEST_CASE("rkd: pairwise distances by brute force; bad inputs named", "[crd]") {
  Generator g(5);
  const Tensor x = randn({2, 7, 3}, g, DType::f64);
  const Tensor d = compress::pairwise_distances(x);
  REQUIRE(d.shape() == Shape{2, 7, 7});
  const auto xv = x.to_vector<double>(), dv = d.to_vector<double>();
  for (int b = 0; b < 2; ++b)
    for (int i = 0; i < 7; ++i)
      for (int j = 0; j < 7; ++j) {
        double s = 0;
        for (int k = 0; k < 3; ++k) {
          const double e = xv[(b * 7 + i) * 3 + k] - xv[(b * 7 + j) * 3 + k];
          s += e * e;
        }
        CHECK(dv[(b * 7 + i) * 7 + j] == Approx(i == j ? 0.0 : std::sqrt(s)).epsilon(1e-12));
      }
  CHECK_THROWS_WITH(compress::pairwise_distances(zeros({2, 3, 4, 5})),
                    Contains("(N, D) or (B, N, D)") && Contains("[2, 3, 4, 5]"));
  CHECK_THROWS_WITH(compress::triplet_angles(zeros({1, 4})), Contains("at least 2 items"));
  CHECK_THROWS_WITH(compress::rkd_loss(zeros({3, 4}), zeros({3, 5})),
                    Contains("[3, 4]") && Contains("[3, 5]"));
}

TEST_CASE("rkd: f64 finite-difference gradient checks of both losses", "[crd]") {
  Generator g(3);
  const Tensor t = randn({2, 5, 4}, g, DType::f64);
  const std::vector<std::pair<std::string, std::function<Tensor(const Tensor&)>>> losses = {
      {"distance", [t](const Tensor& s) { return compress::rkd_distance_loss(s, t); }},
      {"angle", [t](const Tensor& s) { return compress::rkd_angle_loss(s, t); }},
      {"angle_direct",
       [t](const Tensor& s) {
         return smooth_l1_loss(compress::triplet_angles_direct(s),
                               compress::triplet_angles_direct(t));
       }},
      {"gram_angles", [](const Tensor& s) { return compress::triplet_angles(s); }}};
  for (const auto& [name, fn] : losses) {
    INFO(name);
    test::OpCase c;
    c.op = "rkd";
    c.name = "rkd_" + name;
    c.inputs = {{{2, 5, 4}}};
    c.fn = [fn = fn](const std::vector<Tensor>& in) { return fn(in[0]); };
    const test::GradcheckResult r = test::gradcheck(c);
    INFO(r.report);
    CHECK(r.ok);
  }
}

TEST_CASE("crd: rows, columns and patches of a known tensor are the expected items", "[crd]") {
  // x[b, c, h, w] = 1000 b + 100 c + 10 h + w, for B 2, C 2, H 4, W 6.
  std::vector<double> v;
  for (int b = 0; b < 2; ++b)
    for (int c = 0; c < 2; ++c)
      for (int h = 0; h < 4; ++h)
        for (int w = 0; w < 6; ++w) v.push_back(1000 * b + 100 * c + 10 * h + w);
  const Tensor x = from_vector(v, {2, 2, 4, 6});
  auto item = [](const Tensor& items, int64_t b, int64_t i) {
    return items.slice(0, b, 1).slice(1, i, 1).contiguous().to_vector<double>();
  };
  const Tensor rows = compress::slice_rows(x);
  REQUIRE(rows.shape() == Shape{2, 4, 12});
  CHECK(item(rows, 1, 2) == std::vector<double>{1020, 1021, 1022, 1023, 1024, 1025, 1120, 1121,
                                                1122, 1123, 1124, 1125});
  const Tensor cols = compress::slice_columns(x);
  REQUIRE(cols.shape() == Shape{2, 6, 8});
  CHECK(item(cols, 0, 5) == std::vector<double>{5, 15, 25, 35, 105, 115, 125, 135});
  const Tensor patches = compress::slice_patches(x, 2);
  REQUIRE(patches.shape() == Shape{2, 6, 8});
  // patch (row 1, column 2) of sample 1: h 2-3, w 4-5, each channel
  CHECK(item(patches, 1, 5) == std::vector<double>{1024, 1025, 1034, 1035, 1124, 1125, 1134, 1135});
  CHECK_THROWS_WITH(compress::slice_patches(x, 4), Contains("[2, 2, 4, 6]") && Contains("4x4"));
  CHECK_THROWS_WITH(compress::slice_rows(zeros({4, 6})), Contains("(B, C, H, W)"));
  // The items carry the gradient back to the pixels.
  Tensor y = x.detach().requires_grad_(true);
  const Tensor g = grad({sum(compress::slice_patches(y, 2) * 2.0)}, {y})[0];
  CHECK(g.to_vector<double>() == std::vector<double>(v.size(), 2.0));
}

TEST_CASE("crd: style and feature terms and their gradients equal PyTorch's (f64)", "[crd]") {
  std::ifstream f(std::string(GANLITE_TEST_DATA) + "/perceptual_refs.json");
  REQUIRE(f.good());
  const nlohmann::json r = nlohmann::json::parse(f);
  std::vector<Tensor> s, t, xs;
  for (size_t l = 0; l < r["shapes"].size(); ++l) {
    const Shape shape = r["shapes"][l].get<Shape>();
    s.push_back(from_vector(r["student"][l].get<std::vector<double>>(), shape));
    t.push_back(from_vector(r["teacher"][l].get<std::vector<double>>(), shape));
    xs.push_back(s.back().detach().requires_grad_(true));
  }
  const Tensor style = compress::style_loss(xs, t);
  CHECK(style.item() == Approx(r["style"].get<double>()).epsilon(1e-12));
  const std::vector<Tensor> gs = grad({style}, xs);
  for (size_t l = 0; l < xs.size(); ++l)
    CHECK(max_abs_diff(gs[l], from_vector(r["style_grads"][l].get<std::vector<double>>(),
                                          xs[l].shape())) < 1e-12);
  Tensor x0 = s[0].detach().requires_grad_(true);
  const Tensor feature = compress::feature_loss(x0, t[0]);
  CHECK(feature.item() == Approx(r["feature"].get<double>()).epsilon(1e-12));
  CHECK(max_abs_diff(grad({feature}, {x0})[0],
                     from_vector(r["feature_grad"].get<std::vector<double>>(), x0.shape())) <
        1e-12);
  // The teacher's side carries no gradient.
  Tensor t0 = t[0].detach().requires_grad_(true);
  CHECK_FALSE(compress::style_loss({s[0]}, {t0}).requires_grad());
  CHECK_THROWS_WITH(compress::style_loss({s[0]}, {t[1]}), Contains("layer 0"));
  CHECK_THROWS_WITH(compress::gram_matrix(zeros({3, 4})), Contains("(B, C, H, W)"));
}
