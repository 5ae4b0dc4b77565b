// nn::Module and layers: PyTorch names and parameter counts, train/eval, state_dict round trips
// and strict loading errors, taps, freezing, dropout, and the GAN step discipline.
#include <catch2/catch.hpp>
#include <cstdio>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "engine/random.h"
#include "engine/safetensors.h"
#include "nn/capture.h"
#include "nn/layers.h"
#include "nn/optim.h"
#include "nn/scope.h"

using namespace ganlite;
using namespace ganlite::nn;
using Catch::Matchers::Contains;

namespace {

std::shared_ptr<Sequential> small_convnet() {
  return std::make_shared<Sequential>(std::vector<ModulePtr>{
      std::make_shared<ReflectionPad2d>(1), std::make_shared<Conv2d>(3, 8, Pair{3, 3}),
      std::make_shared<BatchNorm2d>(8), std::make_shared<ReLU>(),
      std::make_shared<Conv2d>(8, 4, Pair{3, 3}, Pair{2, 2}, Pair{1, 1}),
      std::make_shared<Tanh>()});
}

std::vector<float> values(const Tensor& t) {
  return t.to_vector<float>();
}

}  // namespace

TEST_CASE("parameter names and counts follow PyTorch", "[nn]") {
  auto net = small_convnet();
  std::vector<std::string> names;
  for (auto& [n, t] : net->named_parameters()) names.push_back(n);
  CHECK(names ==
        std::vector<std::string>{"1.weight", "1.bias", "2.weight", "2.bias", "4.weight", "4.bias"});
  CHECK(net->num_parameters() == (8 * 3 * 9 + 8) + (8 + 8) + (4 * 8 * 9 + 4));
  TensorMap sd = net->state_dict();
  CHECK(sd.count("2.running_mean") == 1);
  CHECK(sd.count("2.num_batches_tracked") == 1);
  CHECK(sd.size() == 9);
  CHECK(Conv2d(3, 64, {7, 7}).num_parameters() == 9472);
  CHECK(ConvTranspose2d(256, 128, {3, 3}, {2, 2}, {1, 1}, {1, 1}).weight.shape() ==
        Shape{256, 128, 3, 3});
  CHECK(Linear(10, 5).weight.shape() == Shape{5, 10});
  CHECK(InstanceNorm2d(8).num_parameters() == 0);
}

TEST_CASE("default initialisation is PyTorch's uniform +-1/sqrt(fan_in)", "[nn]") {
  manual_seed(3);
  Conv2d c(16, 32, {3, 3});
  double bound = 1.0 / std::sqrt(16.0 * 9);
  std::vector<float> w = values(c.weight);
  CHECK(*std::max_element(w.begin(), w.end()) <= bound);
  CHECK(*std::min_element(w.begin(), w.end()) >= -bound);
  CHECK(*std::max_element(w.begin(), w.end()) > 0.9 * bound);
}

TEST_CASE("train and eval change batch norm and dropout", "[nn]") {
  manual_seed(1);
  auto net = small_convnet();
  Generator g(2);
  Tensor x = randn({4, 3, 8, 8}, g);
  Tensor y_train = (*net)(x);
  auto& bn = dynamic_cast<BatchNorm2d&>((*net)[2]);
  CHECK(bn.num_batches_tracked.item() == 1);
  CHECK(bn.running_mean.to_vector<float>() != std::vector<float>(8, 0.0f));
  net->eval();
  CHECK_FALSE(bn.is_training());
  Tensor y_eval = (*net)(x);
  CHECK(bn.num_batches_tracked.item() == 1);
  CHECK(values(y_eval) != values(y_train));

  Dropout drop(0.25);
  Tensor ones8k = ones({8192});
  std::vector<float> d = values(drop(ones8k));
  int64_t zeros = std::count(d.begin(), d.end(), 0.0f);
  CHECK(zeros > 8192 * 0.2);
  CHECK(zeros < 8192 * 0.3);
  CHECK(std::count(d.begin(), d.end(), 1.0f / 0.75f) == 8192 - zeros);
  drop.eval();
  CHECK(values(drop(ones8k)) == values(ones8k));
}

TEST_CASE("a state_dict saved as safetensors reproduces the model's output", "[nn]") {
  manual_seed(4);
  auto a = small_convnet();
  Generator g(5);
  Tensor x = randn({2, 3, 8, 8}, g);
  (*a)(x);  // move the running statistics away from their initial values
  a->eval();
  std::string path = std::string(P_tmpdir) + "/ganlite_nn_state.safetensors";
  save_safetensors(path, a->state_dict());
  manual_seed(99);
  auto b = small_convnet();
  b->eval();
  CHECK(values((*b)(x)) != values((*a)(x)));
  b->load_state_dict(load_safetensors(path).tensors);
  CHECK(values((*b)(x)) == values((*a)(x)));
}

TEST_CASE("strict loading lists missing, unexpected and mis-shaped keys together", "[nn]") {
  auto net = small_convnet();
  TensorMap sd = net->state_dict();
  sd.erase("1.bias");
  sd["extra.weight"] = zeros({1});
  sd["4.weight"] = zeros({4, 8, 5, 5});
  REQUIRE_THROWS_WITH(net->load_state_dict(sd),
                      Contains("missing keys: 1.bias") &&
                          Contains("unexpected keys: extra.weight") &&
                          Contains("4.weight (checkpoint [4, 8, 5, 5], model [4, 8, 3, 3])"));
  // Non-strict skips missing and unexpected keys but never loads a mis-shaped tensor.
  REQUIRE_THROWS_WITH(net->load_state_dict(sd, false), Contains("mis-shaped keys: 4.weight"));
  // Integers where a weight is expected (a file's I32 loads as i64) are refused, not converted.
  sd["4.weight"] = zeros({4, 8, 3, 3}).to(DType::i64);
  REQUIRE_THROWS_WITH(net->load_state_dict(sd, false),
                      Contains("integer and floating types mixed: 4.weight (checkpoint i64, "
                               "model f32)"));
  sd["4.weight"] = full({4, 8, 3, 3}, 0.5);
  net->load_state_dict(sd, false);
  CHECK(values(dynamic_cast<Conv2d&>((*net)[4]).weight) == std::vector<float>(4 * 8 * 9, 0.5f));
}

TEST_CASE("feature capture records every call of a submodule, in order, then lets go",
          "[nn][capture]") {
  auto net = small_convnet();
  net->eval();
  Generator g(6);
  const Tensor x1 = randn({1, 3, 6, 6}, g), x2 = randn({2, 3, 6, 6}, g);
  auto expect = [&](const Tensor& x) { return relu((*net)[2]((*net)[1]((*net)[0](x)))); };
  {
    FeatureCapture cap(*net, {"3", "4"});
    (*net)(x1);
    (*net)(x2);
    REQUIRE(cap.calls("3").size() == 2);
    CHECK(cap.at("3", 0).shape() == Shape{1, 8, 6, 6});
    CHECK(values(cap.at("3", 0)) == values(expect(x1)));
    CHECK(values(cap.at("3", -1)) == values(expect(x2)));
    CHECK(cap.calls("4").size() == 2);
    CHECK_THROWS_WITH(cap.at("3", 2), Contains("call 2 of '3'") && Contains("2 call(s)"));
    CHECK_THROWS_WITH(cap.calls("5"), Contains("'5' is not captured"));
    cap.clear();
    CHECK(cap.calls("3").empty());
  }
  // The hooks went with the capture: a new one starts empty and sees only its own calls.
  FeatureCapture again(*net, {"3"});
  CHECK(again.calls("3").empty());
  (*net)(x1);
  CHECK(again.calls("3").size() == 1);
  CHECK_THROWS_WITH(FeatureCapture(*net, {"9"}),
                    Contains("no submodule '9'") && Contains("has: 0, 1"));
}

TEST_CASE("a loss on a captured feature gives the gradients of the same loss written inline",
          "[nn][capture]") {
  auto net = small_convnet();
  Generator g(9);
  const Tensor x = randn({2, 3, 6, 6}, g), target = randn({2, 8, 6, 6}, g);
  auto grads = [&] {
    std::vector<std::vector<float>> out;
    for (const Tensor& p : net->parameters())
      out.push_back(p.grad().defined() ? values(p.grad()) : std::vector<float>());
    return out;
  };
  // Inline: the feature computed by hand from the same layers, then the output, as in a step
  // where the network's output and one of its features both enter the loss.
  net->zero_grad();
  const Tensor h = relu((*net)[2]((*net)[1]((*net)[0](x))));
  (mean((h - target) * (h - target)) + mean((*net)[5]((*net)[4](h)))).backward();
  const auto inline_grads = grads();
  net->zero_grad();
  {
    FeatureCapture cap(*net, {"3"});
    const Tensor y = (*net)(x);
    const Tensor f = cap.at("3", 0);
    (mean((f - target) * (f - target)) + mean(y)).backward();
  }
  const auto captured_grads = grads();
  REQUIRE(inline_grads.size() == captured_grads.size());
  bool nonzero = false;
  for (size_t i = 0; i < inline_grads.size(); ++i) {
    INFO("parameter " << i);
    CHECK(captured_grads[i] == inline_grads[i]);
    for (float v : inline_grads[i]) nonzero = nonzero || v != 0.0f;
  }
  CHECK(nonzero);
}

TEST_CASE("freeze and eval scopes put back what each parameter and module had", "[nn]") {
  auto net = small_convnet();
  Tensor w = (*net)[1].parameters()[0];
  Tensor frozen = (*net)[4].parameters()[0];
  frozen.requires_grad_(false);
  (*net)[2].eval();  // a submodule kept in eval inside a network in training mode
  {
    FreezeScope f(*net);
    EvalScope e(*net);
    CHECK_FALSE(w.requires_grad());
    CHECK_FALSE(net->is_training());
    CHECK_FALSE((*net)[1].is_training());
  }
  CHECK(w.requires_grad());
  CHECK_FALSE(frozen.requires_grad());
  CHECK(net->is_training());
  CHECK((*net)[1].is_training());
  CHECK_FALSE((*net)[2].is_training());
  // Also when the scope ends by an exception.
  try {
    FreezeScope f(*net);
    throw Error("boom");
  } catch (const Error&) {
  }
  CHECK(w.requires_grad());
}

TEST_CASE("after a G step with D frozen, D is bit-identical and G has gradients", "[nn][gan]") {
  manual_seed(7);
  Sequential G({std::make_shared<Linear>(4, 16), std::make_shared<LeakyReLU>(0.2),
                std::make_shared<Linear>(16, 6)});
  Sequential D({std::make_shared<Linear>(6, 16), std::make_shared<LeakyReLU>(0.2),
                std::make_shared<Linear>(16, 1)});
  Adam opt_g(G.parameters()), opt_d(D.parameters());
  Generator gen(8);
  Tensor z = randn({5, 4}, gen), real = randn({5, 6}, gen);

  TensorMap d_before;
  for (auto& [n, t] : D.state_dict()) d_before[n] = t.clone();
  D.requires_grad_(false);
  Tensor g_loss = mean(softplus(-D(G(z))));  // non-saturating G loss
  opt_g.zero_grad();
  g_loss.backward();
  opt_g.step();
  for (auto& [n, t] : D.state_dict()) {
    INFO(n);
    CHECK(t.to_vector<float>() == d_before[n].to_vector<float>());
    CHECK_FALSE(t.grad().defined());
  }
  bool g_nonzero = false;
  for (Tensor& p : G.parameters()) {
    REQUIRE(p.grad().defined());
    for (float v : p.grad().to_vector<float>()) g_nonzero = g_nonzero || v != 0.0f;
  }
  CHECK(g_nonzero);

  // D step on a detached fake: G's gradients are untouched.
  D.requires_grad_(true);
  G.zero_grad();
  Tensor fake = G(z).detach();
  Tensor d_loss = mean(softplus(-D(real))) + mean(softplus(D(fake)));
  opt_d.zero_grad();
  d_loss.backward();
  opt_d.step();
  for (Tensor& p : G.parameters()) CHECK_FALSE(p.grad().defined());
  for (Tensor& p : D.parameters()) CHECK(p.grad().defined());
}
