// Spectral normalisation: power iteration against independently known top singular values
// (a 2x2 closed form, a matrix built from a chosen spectrum), PyTorch's names and train/eval
// behaviour, and a float64 gradient check of W / sigma(W) with u, v fixed.
#include <catch2/catch.hpp>
#include <cmath>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "engine/random.h"
#include "nn/spectral_norm.h"

using namespace ganlite;
using namespace ganlite::nn;

namespace {

// A 5x3 matrix with singular values 2.5, 1.5, 0.5: A diag(s) B^T, A the first three columns of
// a 5x5 Householder reflection, B a 3x3 one (both orthogonal, so s is the spectrum).
std::vector<double> known_spectrum_matrix() {
  auto householder = [](std::vector<double> v) {
    size_t n = v.size();
    double vv = 0;
    for (double x : v) vv += x * x;
    std::vector<double> h(n * n);
    for (size_t i = 0; i < n; ++i)
      for (size_t j = 0; j < n; ++j) h[i * n + j] = (i == j) - 2 * v[i] * v[j] / vv;
    return h;
  };
  std::vector<double> a = householder({1, -2, 0.5, 3, 1}), b = householder({2, 1, -1});
  const double s[3] = {2.5, 1.5, 0.5};
  std::vector<double> w(15, 0.0);
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 3; ++k) w[i * 3 + j] += a[i * 5 + k] * s[k] * b[j * 3 + k];
  return w;
}

Tensor unit_randn(int64_t n, Generator& g) {
  Tensor u = randn({n}, g, DType::f64);
  return u / std::sqrt(sum(u * u).item());
}

}  // namespace

TEST_CASE("power iteration converges to the top singular value", "[sn]") {
  // 2x2: sigma_max^2 = (|W|_F^2 + sqrt(|W|_F^4 - 4 det^2)) / 2.
  Tensor w = from_vector<double>({3, 1, 2, 4}, {2, 2});
  double fro = 9 + 1 + 4 + 16, det = 3 * 4 - 1 * 2;
  double expect = std::sqrt((fro + std::sqrt(fro * fro - 4 * det * det)) / 2);
  Generator g(1);
  Tensor u = unit_randn(2, g), v = unit_randn(2, g);
  SpectralNormOptions o{0, 50, 1e-12};
  sn_power_iteration(w, u, v, o);
  CHECK(sn_sigma(w, u, v, 0).item() == Approx(expect).epsilon(1e-10));

  Tensor w53 = from_vector<double>(known_spectrum_matrix(), {5, 3});
  Tensor u5 = unit_randn(5, g), v3 = unit_randn(3, g);
  sn_power_iteration(w53, u5, v3, {0, 200, 1e-12});
  CHECK(sn_sigma(w53, u5, v3, 0).item() == Approx(2.5).epsilon(1e-10));
  // W / sigma has spectral norm 1: a further iteration on it gives 1.
  Tensor wn = w53 / sn_sigma(w53, u5, v3, 0);
  sn_power_iteration(wn, u5, v3, {0, 5, 1e-12});
  CHECK(sn_sigma(wn, u5, v3, 0).item() == Approx(1.0).epsilon(1e-10));
}

TEST_CASE("SNLinear's sigma converges over training forwards, eval leaves u alone", "[sn]") {
  manual_seed(4);
  SNLinear lin(3, 5);
  {
    NoGradGuard ng;
    lin.sn.weight_orig.copy_(from_vector<double>(known_spectrum_matrix(), {5, 3}));
  }
  Tensor x = ones({2, 3});
  std::vector<float> u0 = lin.sn.u.to_vector<float>();
  lin(x);
  CHECK(lin.sn.u.to_vector<float>() != u0);
  for (int i = 0; i < 100; ++i) lin(x);  // one iteration per training forward
  CHECK(sn_sigma(lin.sn.weight_orig, lin.sn.u, lin.sn.v, 0).item() == Approx(2.5).epsilon(1e-5));
  // The layer computes x W_sn^T + b with W_sn = W / sigma.
  Tensor expect = linear(x, lin.sn.weight_orig / 2.5, lin.bias);
  lin.eval();
  std::vector<float> u_before = lin.sn.u.to_vector<float>();
  Tensor y = lin(x);
  CHECK(lin.sn.u.to_vector<float>() == u_before);
  std::vector<float> ye = expect.to_vector<float>(), yv = y.to_vector<float>();
  for (size_t i = 0; i < ye.size(); ++i) CHECK(yv[i] == Approx(ye[i]).margin(1e-5));
}

TEST_CASE("SN layers use PyTorch's names and shapes", "[sn]") {
  manual_seed(2);
  SNConv2d conv(3, 8, {4, 4}, {2, 2}, {1, 1});
  TensorMap sd = conv.state_dict();
  CHECK(sd.size() == 4);
  CHECK(sd.at("weight_orig").shape() == Shape{8, 3, 4, 4});
  CHECK(sd.at("bias").shape() == Shape{8});
  CHECK(sd.at("weight_u").shape() == Shape{8});
  CHECK(sd.at("weight_v").shape() == Shape{48});
  CHECK(conv.named_parameters().size() == 2);
  CHECK(std::sqrt(sum(conv.sn.u * conv.sn.u).item()) == Approx(1.0));
  // Transposed convolutions normalise along dim 1 (their output channels), as PyTorch does.
  SNConvTranspose2d convt(8, 4, {4, 4}, {2, 2}, {1, 1});
  CHECK(convt.state_dict().at("weight_u").shape() == Shape{4});
  CHECK(convt.state_dict().at("weight_v").shape() == Shape{128});
  SNEmbedding emb(10, 6);
  CHECK(emb.state_dict().at("weight_u").shape() == Shape{10});
  Generator g(3);
  CHECK(conv(randn({2, 3, 8, 8}, g)).shape() == Shape{2, 8, 4, 4});
  CHECK(convt(randn({2, 8, 4, 4}, g)).shape() == Shape{2, 4, 8, 8});
  CHECK(emb(from_vector<int64_t>({1, 9}, {2})).shape() == Shape{2, 6});
  // Loading a state_dict carries u and v, so a resumed run continues the same iteration.
  SNConv2d other(3, 8, {4, 4}, {2, 2}, {1, 1});
  other.load_state_dict(conv.state_dict());
  CHECK(other.sn.u.to_vector<float>() == conv.sn.u.to_vector<float>());
}

TEST_CASE("W / sigma(W) passes a float64 gradient check with u, v fixed", "[sn]") {
  Generator g(7);
  // A Linear-shaped weight (dim 0) and a ConvTranspose2d-shaped one (dim 1, permuted).
  for (const auto& sd : std::vector<std::pair<Shape, int64_t>>{{{4, 3}, 0}, {{3, 2, 2, 2}, 1}}) {
    const Shape shape = sd.first;
    const int64_t dim = sd.second;
    Tensor w = randn(shape, g, DType::f64);
    w.requires_grad_(true);
    Tensor m = sn_weight_matrix(w.detach(), dim);
    Tensor u = unit_randn(m.size(0), g), v = unit_randn(m.size(1), g);
    Tensor r = randn(shape, g, DType::f64);
    auto f = [&](const Tensor& wt) { return sum(wt / sn_sigma(wt, u, v, dim) * r); };
    Tensor analytic = grad({f(w)}, {w})[0];
    std::vector<double> a = analytic.to_vector<double>();
    std::vector<double> base = w.detach().to_vector<double>();
    const double eps = 1e-6;
    double max_err = 0, max_direct_diff = 0;
    std::vector<double> direct = (r / sn_sigma(w.detach(), u, v, dim)).to_vector<double>();
    for (size_t i = 0; i < base.size(); ++i) {
      auto at = [&](double delta) {
        std::vector<double> p = base;
        p[i] += delta;
        return f(from_vector<double>(p, shape)).item();
      };
      double numeric = (at(eps) - at(-eps)) / (2 * eps);
      max_err = std::max(max_err, std::abs(numeric - a[i]) / (1 + std::abs(numeric)));
      max_direct_diff = std::max(max_direct_diff, std::abs(a[i] - direct[i]));
    }
    INFO("shape " << shape_str(shape) << ", max relative error " << max_err);
    CHECK(max_err < 1e-7);
    // The gradient also flows through sigma: it is not just R / sigma.
    CHECK(max_direct_diff > 1e-3);
  }
}
