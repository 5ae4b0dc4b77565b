// GAN initialisation (nn/init.h), learning-rate schedules (nn/schedule.h) and parameter EMA
// (nn/ema.h). Statistical bounds use fixed seeds and are ~10 standard errors wide; orthogonality
// is checked exactly through the Gram matrix; schedule values are CycleGAN's lambda_rule by hand.
#include <catch2/catch.hpp>
#include <cmath>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "engine/random.h"
#include "nn/ema.h"
#include "nn/init.h"
#include "nn/layers.h"
#include "nn/schedule.h"

using namespace ganlite;
using namespace ganlite::nn;
using Catch::Matchers::Contains;

namespace {

struct Stats {
  double mean, std;
};

Stats stats(const Tensor& t) {
  std::vector<double> v = t.to_vector<double>();
  double s = 0, ss = 0;
  for (double x : v) s += x;
  double mean = s / static_cast<double>(v.size());
  for (double x : v) ss += (x - mean) * (x - mean);
  return {mean, std::sqrt(ss / static_cast<double>(v.size() - 1))};
}

void require_all(const Tensor& t, double value) {
  for (double x : t.to_vector<double>()) REQUIRE(x == value);
}

// Gram matrix of w viewed as (rows, cols): W W^T when rows <= cols, else W^T W; must be g^2 I.
void require_orthogonal(const Tensor& w, double gain) {
  int64_t rows = w.size(0), cols = w.numel() / rows;
  std::vector<double> v = w.to_vector<double>();
  bool wide = rows <= cols;
  int64_t n = wide ? rows : cols, len = wide ? cols : rows;
  auto at = [&](int64_t vec, int64_t k) { return wide ? v[vec * cols + k] : v[k * cols + vec]; };
  double worst = 0;
  for (int64_t a = 0; a < n; ++a)
    for (int64_t b = 0; b < n; ++b) {
      double dot = 0;
      for (int64_t k = 0; k < len; ++k) dot += at(a, k) * at(b, k);
      worst = std::max(worst, std::abs(dot - (a == b ? gain * gain : 0.0)));
    }
  INFO("shape " << w.shape_str() << ", worst |Gram - gain^2 I| = " << worst);
  REQUIRE(worst < 1e-5);
}

// A one-parameter, one-buffer module in f64, so EMA values can be checked to rounding.
class Tiny : public Module {
 public:
  Tiny() {
    w = register_parameter("w", from_vector<double>({1, 2, 3}, {3}));
    count = register_buffer("count", zeros({}, DType::f64));
  }
  Tensor forward(const Tensor& x) override { return x * w; }
  std::string type_name() const override { return "Tiny"; }
  void set(std::vector<double> values) {
    NoGradGuard ng;
    w.copy_(from_vector<double>(values, {3}));
  }
  Tensor w, count;
};

void require_values(const Tensor& t, std::vector<double> expected) {
  std::vector<double> v = t.to_vector<double>();
  REQUIRE(v.size() == expected.size());
  for (size_t i = 0; i < v.size(); ++i) REQUIRE(v[i] == Approx(expected[i]).margin(1e-12));
}

}  // namespace

TEST_CASE("normal init: conv weights N(0, gain), biases 0, norm weights N(1, gain)", "[init]") {
  manual_seed(1234);
  auto conv = std::make_shared<Conv2d>(64, 128, Pair{4, 4});  // 131072 weights
  auto bn = std::make_shared<BatchNorm2d>(20000);
  auto deconv = std::make_shared<ConvTranspose2d>(128, 64, Pair{4, 4}, Pair{2, 2}, Pair{1, 1});
  auto lin = std::make_shared<Linear>(256, 8);
  auto in = std::make_shared<InstanceNorm2d>(8, 1e-5, true);
  auto gn = std::make_shared<GroupNorm>(2, 8);
  auto emb = std::make_shared<Embedding>(5, 3);
  Sequential net({conv, bn, std::make_shared<Sequential>(std::vector<ModulePtr>{deconv, lin}), in,
                  gn, emb, std::make_shared<ReLU>()});
  Tensor emb_before = emb->weight.clone();

  init_weights(net, "normal", 0.02);

  Stats w = stats(conv->weight);
  CHECK(std::abs(w.mean) < 4e-4);  // standard error 0.02 / sqrt(131072) = 5.5e-5
  CHECK(w.std == Approx(0.02).epsilon(0.02));
  Stats d = stats(deconv->weight);
  CHECK(std::abs(d.mean) < 4e-4);
  CHECK(d.std == Approx(0.02).epsilon(0.02));
  require_all(conv->bias, 0.0);
  require_all(deconv->bias, 0.0);
  require_all(lin->bias, 0.0);
  Stats b = stats(bn->weight);
  CHECK(std::abs(b.mean - 1.0) < 1.5e-3);  // standard error 0.02 / sqrt(20000) = 1.4e-4
  CHECK(b.std == Approx(0.02).epsilon(0.05));
  require_all(bn->bias, 0.0);
  require_all(bn->running_var, 1.0);  // buffers are left alone
  for (const Tensor& t : {in->weight, gn->weight}) {
    std::vector<double> v = t.to_vector<double>();
    for (double x : v) REQUIRE(std::abs(x - 1.0) < 0.2);  // 10 sigma
    CHECK(stats(t).std > 0);
  }
  require_all(in->bias, 0.0);
  require_all(gn->bias, 0.0);
  require_values(emb->weight, emb_before.to_vector<double>());
  // Still trainable leaves, no history recorded by the in-place writes.
  CHECK(conv->weight.requires_grad());
  CHECK(conv->weight.is_leaf());
}

TEST_CASE("init is reproducible from manual_seed", "[init]") {
  auto make = [] {
    auto net = std::make_shared<Sequential>(std::vector<ModulePtr>{
        std::make_shared<Conv2d>(3, 8, Pair{3, 3}), std::make_shared<BatchNorm2d>(8)});
    return net;
  };
  auto a = make(), b = make();
  for (const char* type : {"normal", "xavier", "kaiming", "orthogonal"}) {
    manual_seed(7);
    init_weights(*a, type);
    manual_seed(7);
    init_weights(*b, type);
    for (auto& [name, t] : a->state_dict())
      require_values(t, b->state_dict().at(name).to_vector<double>());
  }
}

TEST_CASE("xavier init: std = gain * sqrt(2 / (fan_in + fan_out))", "[init]") {
  manual_seed(11);
  Conv2d conv(64, 128, {3, 3});  // fan_in 576, fan_out 1152
  init_weights(conv, "xavier", 1.5);
  Stats s = stats(conv.weight);
  CHECK(std::abs(s.mean) < 0.1 * s.std);
  CHECK(s.std == Approx(1.5 * std::sqrt(2.0 / (576 + 1152))).epsilon(0.03));
  require_all(conv.bias, 0.0);
}

TEST_CASE("kaiming init: std = sqrt(2 / fan_in), PyTorch's fans for transposed convs", "[init]") {
  manual_seed(12);
  Linear lin(512, 256);
  init_weights(lin, "kaiming", 0.02);  // the gain does not apply, as in CycleGAN
  CHECK(stats(lin.weight).std == Approx(std::sqrt(2.0 / 512)).epsilon(0.03));
  require_all(lin.bias, 0.0);
  // Weight (in=128, out=64, 4, 4): PyTorch's fan_in is size(1) * 16 = 1024.
  ConvTranspose2d deconv(128, 64, {4, 4});
  init_weights(deconv, "kaiming");
  CHECK(stats(deconv.weight).std == Approx(std::sqrt(2.0 / 1024)).epsilon(0.03));
  // Leaky-ReLU slope a and fan_out mode on a bare tensor.
  Tensor t = zeros({256, 128, 2, 2});
  kaiming_normal_(t, 0.2, FanMode::fan_out);
  CHECK(stats(t).std == Approx(std::sqrt(2.0 / 1.04) / std::sqrt(1024.0)).epsilon(0.03));
}

TEST_CASE("orthogonal init: W W^T = gain^2 I (wide) or W^T W = gain^2 I (tall)", "[init]") {
  manual_seed(13);
  for (double gain : {1.0, 0.02, 0.7}) {
    Linear wide(64, 32), tall(32, 64), square(50, 50);
    Conv2d conv_wide(8, 16, {3, 3}), conv_tall(2, 32, {3, 3});
    ConvTranspose2d deconv(16, 4, {4, 4});
    BatchNorm2d bn(4);
    for (Module* m : std::vector<Module*>{&wide, &tall, &square, &conv_wide, &conv_tall, &deconv}) {
      init_weights(*m, "orthogonal", gain);
      for (auto& [name, t] : m->named_parameters())
        if (name == "weight") require_orthogonal(t, gain);
    }
    init_weights(bn, "orthogonal", gain);
    CHECK(stats(bn.weight).mean == Approx(1.0).margin(10 * gain));  // BN ignores init_type
  }
  // The per-tensor function on f64, and its rank check.
  Tensor t = zeros({3, 5, 2}, DType::f64);
  orthogonal_(t, 2.0);
  require_orthogonal(t, 2.0);
  REQUIRE_THROWS_WITH(orthogonal_(zeros({4})), Contains("orthogonal_") && Contains("[4]"));
}

TEST_CASE("orthogonal init is the Q of the drawn matrix with R's diagonal positive", "[init]") {
  // PyTorch's convention, which makes Q unique: with A the drawn (rows, cols) Gaussian matrix
  // (transposed when wide) and Q the result (transposed back), R = Q^T A is upper triangular
  // with a positive diagonal.
  for (Shape shape : {Shape{7, 4}, Shape{4, 7}, Shape{5, 5}}) {
    manual_seed(31);
    std::vector<double> f = randn(shape, default_generator(), DType::f64).to_vector<double>();
    manual_seed(31);
    Tensor w = zeros(shape, DType::f64);
    orthogonal_(w);
    std::vector<double> q = w.to_vector<double>();
    int64_t rows = shape[0], cols = shape[1];
    bool wide = rows < cols;
    int64_t m = wide ? cols : rows, n = wide ? rows : cols;
    auto a_at = [&](int64_t i, int64_t j) { return wide ? f[j * cols + i] : f[i * cols + j]; };
    auto q_at = [&](int64_t i, int64_t j) { return wide ? q[j * cols + i] : q[i * cols + j]; };
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double r = 0;
        for (int64_t k = 0; k < m; ++k) r += q_at(k, i) * a_at(k, j);
        INFO("shape " << shape_str(shape) << ", R(" << i << ", " << j << ") = " << r);
        if (i > j) CHECK(std::abs(r) < 1e-12);
        if (i == j) CHECK(r > 0);
      }
  }
}

TEST_CASE("per-tensor initialisers work on trainable leaves and check their arguments", "[init]") {
  manual_seed(14);
  Tensor w = zeros({1000, 100}).requires_grad_(true);
  normal_(w, 3.0, 0.5);
  Stats s = stats(w);
  CHECK(s.mean == Approx(3.0).margin(0.01));
  CHECK(s.std == Approx(0.5).epsilon(0.02));
  CHECK(w.is_leaf());
  xavier_normal_(w, 1.0);
  CHECK(stats(w).std == Approx(std::sqrt(2.0 / 1100)).epsilon(0.03));
  zeros_(w);
  require_all(w, 0.0);
  REQUIRE_THROWS_WITH(normal_(w, 0.0, -1.0), Contains("std"));
  REQUIRE_THROWS_WITH(xavier_normal_(zeros({7})), Contains("xavier_normal_") && Contains("rank"));
  REQUIRE_THROWS_WITH(kaiming_normal_(zeros({7})), Contains("kaiming_normal_"));
}

TEST_CASE("an unknown init scheme is an error naming it and the valid ones", "[init]") {
  Conv2d conv(2, 3, {3, 3});
  Tensor before = conv.weight.clone();
  REQUIRE_THROWS_WITH(init_weights(conv, "uniform", 0.02),
                      Contains("'uniform'") && Contains("normal, xavier, kaiming, orthogonal"));
  require_values(conv.weight, before.to_vector<double>());  // untouched
  REQUIRE_THROWS_WITH(init_weights(conv, "normal", -1.0), Contains("gain"));
}

TEST_CASE("constant and CycleGAN linear-decay schedules", "[schedule]") {
  ConstantLr constant(2e-4);
  CHECK(constant.lr_at(0) == 2e-4);
  CHECK(constant.lr_at(12345) == 2e-4);

  // CycleGAN: lr_l = 1 - max(0, epoch + epoch_count - n_epochs) / (n_epochs_decay + 1).
  LinearDecayLr linear(2e-4, 100, 100);
  CHECK(linear.lr_at(0) == Approx(2e-4));
  CHECK(linear.lr_at(98) == Approx(2e-4));
  CHECK(linear.lr_at(99) == Approx(2e-4));  // 99 + 1 - 100 = 0
  CHECK(linear.lr_at(100) == Approx(2e-4 * (1 - 1.0 / 101)));
  CHECK(linear.lr_at(150) == Approx(2e-4 * (1 - 51.0 / 101)));
  CHECK(linear.lr_at(199) == Approx(2e-4 * (1 - 100.0 / 101)));
  CHECK(linear.lr_at(200) == Approx(0.0).margin(1e-15));  // 1 - 101/101
  CHECK(linear.lr_at(300) == 0.0);                        // clamped, never negative
  // Resuming at epoch_count = 51 shifts the counter by 50.
  LinearDecayLr resumed(1.0, 100, 100, 51);
  CHECK(resumed.lr_at(49) == 1.0);
  CHECK(resumed.lr_at(50) == Approx(1 - 1.0 / 101));
  // No decay epochs: full lr, then 0 one epoch after the end.
  LinearDecayLr abrupt(1.0, 10, 0);
  CHECK(abrupt.lr_at(9) == 1.0);
  CHECK(abrupt.lr_at(10) == 0.0);
}

TEST_CASE("multistep schedule multiplies by gamma at each milestone", "[schedule]") {
  MultiStepLr s(0.1, {30, 80}, 0.1);
  CHECK(s.lr_at(0) == Approx(0.1));
  CHECK(s.lr_at(29) == Approx(0.1));
  CHECK(s.lr_at(30) == Approx(0.01));
  CHECK(s.lr_at(79) == Approx(0.01));
  CHECK(s.lr_at(80) == Approx(0.001));
  CHECK(s.lr_at(1000) == Approx(0.001));
  MultiStepLr repeated(1.0, {5, 5}, 0.5);  // a repeated milestone applies twice, as in PyTorch
  CHECK(repeated.lr_at(5) == Approx(0.25));
  MultiStepLr none(0.3, {});
  CHECK(none.lr_at(100) == 0.3);
}

TEST_CASE("apply_lr sets the optimizers' learning rate", "[schedule]") {
  Tensor p = zeros({2}).requires_grad_(true);
  Adam adam({p});
  SGD sgd({p}, 0.1);
  LinearDecayLr s(2e-4, 100, 100);
  CHECK(apply_lr(adam, s, 150) == Approx(2e-4 * (1 - 51.0 / 101)));
  CHECK(adam.lr() == s.lr_at(150));
  apply_lr(sgd, MultiStepLr(0.1, {1}), 1);
  CHECK(sgd.lr() == Approx(0.01));
}

TEST_CASE("schedules reject bad arguments, naming them", "[schedule]") {
  REQUIRE_THROWS_WITH(ConstantLr(-1.0), Contains("base_lr"));
  REQUIRE_THROWS_WITH(LinearDecayLr(1.0, -1, 10), Contains("n_epochs must"));
  REQUIRE_THROWS_WITH(LinearDecayLr(1.0, 10, -1), Contains("n_epochs_decay"));
  REQUIRE_THROWS_WITH(LinearDecayLr(1.0, 10, 10, -1), Contains("epoch_count"));
  REQUIRE_THROWS_WITH(MultiStepLr(1.0, {10}, 0.0), Contains("gamma"));
  REQUIRE_THROWS_WITH(MultiStepLr(1.0, {10}, -0.5), Contains("gamma"));
  REQUIRE_THROWS_WITH(MultiStepLr(1.0, {80, 30}), Contains("milestones") && Contains("sorted"));
  REQUIRE_THROWS_WITH(MultiStepLr(1.0, {-1, 3}), Contains("milestones"));
  REQUIRE_THROWS_WITH(LinearDecayLr(1.0, 10, 10).lr_at(-1), Contains("epoch"));
}

TEST_CASE("EMA follows shadow = decay * shadow + (1 - decay) * param; buffers are copied",
          "[ema]") {
  Tiny model;
  Ema ema(model, 0.9);
  CHECK(ema.decay() == 0.9);
  model.set({2, 2, 2});
  ema.update();  // 0.9 * [1, 2, 3] + 0.1 * [2, 2, 2]
  require_values(ema.state_dict().at("w"), {1.1, 2.0, 2.9});
  model.set({0, 0, 0});
  ema.update();
  require_values(ema.state_dict().at("w"), {0.99, 1.8, 2.61});
  model.set({10, 10, 10});
  {
    NoGradGuard ng;
    model.count.fill_(5);
  }
  ema.update();
  require_values(ema.state_dict().at("w"), {1.891, 2.62, 3.349});
  require_values(ema.state_dict().at("count"), {5});
  CHECK(ema.num_updates() == 3);
  require_values(model.w, {10, 10, 10});  // the live model is not touched

  Tiny target;
  ema.copy_to(target);
  require_values(target.w, {1.891, 2.62, 3.349});
  require_values(target.count, {5});
  CHECK(target.w.requires_grad());
  ema.copy_to(model);  // evaluating with the averaged weights in place
  require_values(model.w, {1.891, 2.62, 3.349});
}

TEST_CASE("EMA over a real network tracks optimizer steps and copies into a twin", "[ema]") {
  auto make = [] {
    return std::make_shared<Sequential>(std::vector<ModulePtr>{
        std::make_shared<Conv2d>(2, 4, Pair{3, 3}), std::make_shared<BatchNorm2d>(4)});
  };
  manual_seed(21);
  auto net = make(), twin = make();
  TensorMap start;
  for (auto& [n, t] : net->state_dict()) start[n] = t.clone();
  Ema ema(*net, 0.5);
  SGD opt(net->parameters(), 0.1);
  Tensor x = randn({3, 2, 6, 6}, default_generator());
  sum((*net)(x) * (*net)(x)).backward();
  opt.step();
  ema.update();
  ema.copy_to(*twin);
  TensorMap now = net->state_dict(), got = twin->state_dict();
  for (auto& [n, p] : net->named_parameters()) {
    INFO(n);
    require_values(got.at(n), ((start.at(n) + now.at(n)) * 0.5).to_vector<double>());
  }
  for (auto& [n, b] : net->named_buffers()) {
    INFO(n);
    require_values(got.at(n), now.at(n).to_vector<double>());
  }
}

TEST_CASE("EMA rejects a bad decay and a target of another architecture", "[ema]") {
  Tiny model;
  REQUIRE_THROWS_WITH(Ema(model, 1.5), Contains("decay"));
  REQUIRE_THROWS_WITH(Ema(model, -0.1), Contains("decay"));

  Sequential a({std::make_shared<Linear>(3, 2)});
  Sequential wider({std::make_shared<Linear>(3, 4)});
  Sequential shifted({std::make_shared<Identity>(), std::make_shared<Linear>(3, 2)});
  Ema ema(a, 0.99);
  REQUIRE_THROWS_WITH(ema.copy_to(wider), Contains("0.weight") && Contains("[4, 3]"));
  REQUIRE_THROWS_WITH(ema.copy_to(shifted), Contains("1.weight") && Contains("0.weight"));
  REQUIRE_THROWS_WITH(ema.copy_to(model), Contains("parameter"));
}
