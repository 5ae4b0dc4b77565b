// Autograd semantics: reuse, accumulation, detach, frozen-but-differentiable networks, hooks,
// custom gradients, grad() w.r.t. intermediate tensors, retain_graph and NoGradGuard; higher
// order with create_graph (per-op second-order checks are in tests/test_op_table.cpp).
#include <catch2/catch.hpp>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "engine/random.h"

using namespace ganlite;
using Catch::Matchers::Contains;

namespace {

Tensor leaf(const Shape& s, uint64_t seed) {
  Generator g(seed);
  return randn(s, g, DType::f64).requires_grad_(true);
}

void require_close(const Tensor& a, const Tensor& b, double tol = 1e-12) {
  REQUIRE(a.defined());
  REQUIRE(a.shape() == b.shape());
  std::vector<double> x = a.to_vector<double>(), y = b.to_vector<double>();
  for (size_t i = 0; i < x.size(); ++i)
    REQUIRE(std::abs(x[i] - y[i]) <= tol * (1 + std::abs(y[i])));
}

}  // namespace

TEST_CASE("a tensor used twice receives the sum of both gradients", "[autograd]") {
  Tensor x = leaf({4}, 1);
  sum(x * x).backward();
  require_close(x.grad(), x.detach() * 2.0);
  x.zero_grad();
  sum(x * 2.0 + x * 3.0).backward();
  require_close(x.grad(), full({4}, 5.0, DType::f64));
}

TEST_CASE("gradients accumulate across backward calls until zero_grad", "[autograd]") {
  Tensor x = leaf({3}, 2);
  sum(x * x).backward();
  sum(x * x).backward();
  require_close(x.grad(), x.detach() * 4.0);
  x.zero_grad();
  CHECK_FALSE(x.grad().defined());
}

TEST_CASE("detach stops the gradient on its branch only", "[autograd]") {
  Tensor x = leaf({5}, 3);
  sum(x.detach() * x).backward();
  require_close(x.grad(), x.detach());
  CHECK_FALSE(x.detach().requires_grad());
}

TEST_CASE("a frozen network passes gradients through to its input", "[autograd]") {
  Tensor z = leaf({2, 3}, 4), w1 = leaf({4, 3}, 5), w2 = leaf({1, 4}, 6);
  auto net = [&](const Tensor& in) { return linear(tanh(linear(in, w1)), w2); };
  sum(net(z)).backward();
  Tensor expected = z.grad().clone();
  z.zero_grad();
  w1.zero_grad();
  w2.zero_grad();
  w1.requires_grad_(false);
  w2.requires_grad_(false);
  sum(net(z)).backward();
  CHECK_FALSE(w1.grad().defined());
  CHECK_FALSE(w2.grad().defined());
  require_close(z.grad(), expected);
}

TEST_CASE("hooks rewrite gradients on leaves and intermediates", "[autograd]") {
  SECTION("-1 scaling on a leaf") {
    Tensor x = leaf({3}, 7);
    x.register_hook([](const Tensor& g) { return -g; });
    sum(x * x).backward();
    require_close(x.grad(), x.detach() * -2.0);
  }
  SECTION("per-sample scaling broadcast over C x H x W on an intermediate") {
    Tensor x = leaf({2, 3, 2, 2}, 8);
    Tensor h = x * 1.0;
    Tensor scale = from_vector<double>({0.5, -2.0}, {2, 1, 1, 1});
    h.register_hook([scale](const Tensor& g) { return g * scale; });
    sum(h * h).backward();
    require_close(x.grad(), x.detach() * 2.0 * scale.expand({2, 3, 2, 2}));
  }
  SECTION("a hook must keep the gradient's shape") {
    Tensor x = leaf({3}, 9);
    x.register_hook([](const Tensor& g) { return sum(g); });
    REQUIRE_THROWS_WITH(sum(x * x).backward(), Contains("hook") && Contains("[3]"));
  }
}

TEST_CASE("custom_grad is an identity with a custom backward", "[autograd]") {
  Tensor x = leaf({2, 2}, 10);
  Tensor y = custom_grad(x, [](const Tensor& g) { return -g; });
  require_close(y.detach(), x.detach());
  sum(y * y).backward();
  require_close(x.grad(), x.detach() * -2.0);
}

TEST_CASE("grad() returns gradients w.r.t. intermediates without touching .grad", "[autograd]") {
  Tensor w = leaf({3, 2}, 11), z = leaf({4, 3}, 12);
  Tensor logits = matmul(z, w);
  Tensor loss = sum(softplus(-logits));
  std::vector<Tensor> g = grad({loss}, {logits}, {}, /*retain_graph=*/true);
  // d softplus(-d) / d d = -sigmoid(-d)
  require_close(g[0], -sigmoid(-logits.detach()));
  CHECK_FALSE(w.grad().defined());
  CHECK_FALSE(z.grad().defined());
  // The retained graph still serves a full backward.
  loss.backward();
  CHECK(w.grad().defined());
  std::vector<Tensor> gw = grad({sum(matmul(z, w))}, {w});
  require_close(gw[0], sum(z.detach(), {0}).reshape({3, 1}).expand({3, 2}));
}

TEST_CASE("grad() reports unused inputs unless allowed", "[autograd]") {
  Tensor a = leaf({2}, 13), b = leaf({2}, 14);
  REQUIRE_THROWS_WITH(grad({sum(a * a)}, {b}), Contains("not used"));
  std::vector<Tensor> g = grad({sum(a * a)}, {a, b}, {}, false, /*allow_unused=*/true);
  CHECK(g[0].defined());
  CHECK_FALSE(g[1].defined());
}

TEST_CASE("a second backward needs retain_graph on the first", "[autograd]") {
  Tensor x = leaf({3}, 15);
  Tensor y = sum(exp(x));
  y.backward({}, /*retain_graph=*/true);
  y.backward();
  require_close(x.grad(), exp(x.detach()) * 2.0);
  REQUIRE_THROWS_WITH(y.backward(), Contains("retain_graph"));
}

TEST_CASE("NoGradGuard records nothing", "[autograd]") {
  Tensor x = leaf({3}, 16);
  {
    NoGradGuard ng;
    Tensor y = x * 2.0;
    CHECK_FALSE(y.requires_grad());
  }
  CHECK((x * 2.0).requires_grad());
}

TEST_CASE("backward of a non-scalar needs an explicit gradient", "[autograd]") {
  Tensor x = leaf({3}, 17);
  REQUIRE_THROWS_WITH((x * 2.0).backward(), Contains("[3]"));
  (x * 2.0).backward(ones({3}, DType::f64));
  require_close(x.grad(), full({3}, 2.0, DType::f64));
}

TEST_CASE("only leaves can be frozen with requires_grad_(false)", "[autograd]") {
  Tensor x = leaf({2}, 18);
  Tensor y = x * 2.0;
  REQUIRE_THROWS_WITH(y.requires_grad_(false), Contains("detach"));
}

TEST_CASE("create_graph differentiates to any order", "[autograd][gradgrad]") {
  Tensor x = leaf({4}, 21);
  Tensor y = sum(x * x * x);
  Tensor g1 = grad({y}, {x}, {}, false, false, /*create_graph=*/true)[0];  // 3x^2
  REQUIRE(g1.requires_grad());
  require_close(g1, x.detach() * x.detach() * 3.0);
  Tensor g2 = grad({sum(g1)}, {x}, {}, false, false, true)[0];  // 6x
  require_close(g2, x.detach() * 6.0);
  Tensor g3 = grad({sum(g2)}, {x})[0];  // 6
  require_close(g3, ones_like(x.detach()) * 6.0);
  CHECK_FALSE(g3.requires_grad());
}

TEST_CASE("backward with create_graph leaves a differentiable .grad", "[autograd][gradgrad]") {
  Tensor x = leaf({3}, 22);
  sum(exp(x) * x).backward({}, false, /*create_graph=*/true);
  Tensor gx = x.grad();  // (1 + x) e^x
  REQUIRE(gx.requires_grad());
  Tensor xd = x.detach();
  require_close(gx, exp(xd) * (xd + 1.0));
  // d/dx sum((1 + x) e^x) = (2 + x) e^x, accumulated onto the first .grad.
  sum(gx).backward();
  require_close(x.grad().detach(), exp(xd) * (xd + 1.0) + exp(xd) * (xd + 2.0));
  x.zero_grad();
  CHECK_FALSE(x.grad().defined());
}

TEST_CASE("an R1-style penalty trains through conv, norm, activations and a linear head",
          "[autograd][gradgrad]") {
  // d/dw of ||d D(x) / dx||^2 against central differences of the penalty itself.
  Tensor x = leaf({2, 2, 6, 6}, 23), w = leaf({3, 2, 3, 3}, 24), v = leaf({1, 3 * 3 * 3}, 25);
  auto penalty = [&](bool create) {
    Tensor h = leaky_relu(instance_norm(conv2d(x, w, Tensor(), {2, 2}, {1, 1})), 0.2);
    Tensor d = sum(linear(h.reshape({2, -1}), v));
    Tensor gx = grad({d}, {x}, {}, false, false, create)[0];
    return sum(gx * gx);
  };
  Tensor gw = grad({penalty(true)}, {w})[0];
  std::vector<double> analytic = gw.to_vector<double>();
  double* p = w.data<double>();
  for (int64_t j = 0; j < w.numel(); j += 5) {
    double orig = p[j];
    p[j] = orig + 1e-6;
    double lp = penalty(false).item();
    p[j] = orig - 1e-6;
    double lm = penalty(false).item();
    p[j] = orig;
    double numeric = (lp - lm) / 2e-6;
    INFO("weight element " << j);
    CHECK(std::abs(analytic[j] - numeric) <= 1e-6 + 1e-4 * std::abs(numeric));
  }
}

TEST_CASE("create_graph through an op without a double backward names the op",
          "[autograd][gradgrad]") {
  Tensor x = leaf({1, 1, 3, 3}, 26);
  Tensor y = sum(unfold(x * 2.0, {2, 2}));
  REQUIRE_THROWS_WITH(grad({y}, {x}, {}, false, false, /*create_graph=*/true),
                      Contains("unfold has no double backward"));
  // The first order through it is unaffected.
  CHECK(grad({sum(unfold(x, {2, 2}))}, {x})[0].defined());
}
