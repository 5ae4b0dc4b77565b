// Slimmable layers: leading-slice views of the full weights, gradients confined to the active
// block, equality with dense layers built from the slices, per-width BN statistics, the sliced
// class embedding of SliceableConditionalBatchNorm2d, and full-size state_dicts.
#include <catch2/catch.hpp>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "engine/random.h"
#include "nn/slim.h"

using namespace ganlite;
using namespace ganlite::nn;
using Catch::Matchers::Contains;

namespace {

// Every element of g inside the leading block [:rows, :cols] (dims 0 and 1) is non-zero and
// every element outside it is zero.
void check_block_grad(const Tensor& g, int64_t rows, int64_t cols) {
  REQUIRE(g.defined());
  Tensor gc = g.contiguous();
  std::vector<float> v = gc.to_vector<float>();
  int64_t inner = gc.numel() / (gc.size(0) * (gc.dim() > 1 ? gc.size(1) : 1));
  int64_t c1 = gc.dim() > 1 ? gc.size(1) : 1;
  int64_t inside_zero = 0, outside_nonzero = 0;
  for (int64_t i = 0; i < gc.size(0); ++i)
    for (int64_t j = 0; j < c1; ++j)
      for (int64_t k = 0; k < inner; ++k) {
        float x = v[static_cast<size_t>((i * c1 + j) * inner + k)];
        bool inside = i < rows && j < cols;
        inside_zero += inside && x == 0.0f;
        outside_nonzero += !inside && x != 0.0f;
      }
  CHECK(inside_zero == 0);
  CHECK(outside_nonzero == 0);
}

void check_close(const Tensor& a, const Tensor& b, double tol = 1e-5) {
  REQUIRE(a.shape() == b.shape());
  std::vector<float> x = a.to_vector<float>(), y = b.to_vector<float>();
  for (size_t i = 0; i < x.size(); ++i) CHECK(x[i] == Approx(y[i]).margin(tol));
}

}  // namespace

TEST_CASE("slim weights are leading-slice views of the full weight", "[slim]") {
  manual_seed(1);
  SlimConv2d conv(8, 16, {3, 3}, {1, 1}, {1, 1});
  conv.set_width_mult(0.5);
  CHECK(conv.in == 4);
  CHECK(conv.out == 8);
  Tensor w = conv.active_weight();
  CHECK(w.shape() == Shape{8, 4, 3, 3});
  CHECK(w.impl()->storage == conv.weight.impl()->storage);
  CHECK(w.strides() == conv.weight.strides());
  CHECK(w.offset() == conv.weight.offset());
  CHECK(conv.active_bias().impl()->storage == conv.bias.impl()->storage);
  // The state_dict holds the full tensors at any width.
  TensorMap sd = conv.state_dict();
  CHECK(sd.size() == 2);
  CHECK(sd.at("weight").shape() == Shape{16, 8, 3, 3});
  CHECK(sd.at("bias").shape() == Shape{16});
  CHECK_THROWS_WITH(conv.set_width(9, 4), Contains("outside"));
  CHECK_THROWS_WITH(conv(zeros({1, 8, 5, 5})), Contains("expected input (N, 4, H, W)"));
}

TEST_CASE("backward at width 0.5 fills exactly the leading block of the full weight", "[slim]") {
  manual_seed(2);
  Generator g(3);
  SECTION("SlimConv2d") {
    SlimConv2d conv(8, 6, {3, 3}, {2, 2}, {1, 1});
    conv.set_width_mult(0.5);
    sum(conv(randn({2, 4, 6, 6}, g))).backward();
    check_block_grad(conv.weight.grad(), 3, 4);
    check_block_grad(conv.bias.grad(), 3, 1);
  }
  SECTION("SlimConvTranspose2d") {
    SlimConvTranspose2d convt(8, 6, {3, 3}, {2, 2}, {1, 1}, {1, 1});
    convt.set_width_mult(0.5);
    sum(convt(randn({2, 4, 3, 3}, g))).backward();
    check_block_grad(convt.weight.grad(), 4, 3);  // (in, out, kh, kw)
    check_block_grad(convt.bias.grad(), 3, 1);
  }
  SECTION("SlimLinear") {
    SlimLinear lin(8, 6);
    lin.set_width_mult(0.5);
    sum(lin(randn({5, 4}, g))).backward();
    check_block_grad(lin.weight.grad(), 3, 4);
  }
}

TEST_CASE("a narrowed slim layer equals a dense layer built from the slices", "[slim]") {
  manual_seed(4);
  Generator g(5);
  NoGradGuard ng;
  SlimConv2d conv(8, 12, {3, 3}, {2, 2}, {1, 1});
  conv.set_width(6, 5);
  Conv2d dense(6, 5, {3, 3}, {2, 2}, {1, 1});
  dense.weight.copy_(conv.weight.slice(0, 0, 5).slice(1, 0, 6));
  dense.bias.copy_(conv.bias.slice(0, 0, 5));
  Tensor x = randn({2, 6, 7, 7}, g);
  check_close(conv(x), dense(x));

  SlimConvTranspose2d convt(8, 12, {4, 4}, {2, 2}, {1, 1});
  convt.set_width_mult(0.75);
  ConvTranspose2d denset(6, 9, {4, 4}, {2, 2}, {1, 1});
  denset.weight.copy_(convt.weight.slice(0, 0, 6).slice(1, 0, 9));
  denset.bias.copy_(convt.bias.slice(0, 0, 9));
  Tensor xt = randn({2, 6, 3, 3}, g);
  check_close(convt(xt), denset(xt));

  SlimLinear lin(8, 12);
  lin.slice_in = false;  // a first layer fed by a fixed-size input
  lin.set_width_mult(0.25);
  CHECK(lin.in == 8);
  CHECK(lin.out == 3);
  Linear dl(8, 3);
  dl.weight.copy_(lin.weight.slice(0, 0, 3));
  dl.bias.copy_(lin.bias.slice(0, 0, 3));
  Tensor xl = randn({4, 8}, g);
  check_close(lin(xl), dl(xl));
}

TEST_CASE("switchable BN keeps per-width statistics apart", "[slim]") {
  SwitchableBatchNorm2d bn(8);
  std::vector<std::string> names;
  for (auto& [n, t] : bn.named_parameters()) names.push_back(n);
  CHECK(names == std::vector<std::string>{"bn.0.weight", "bn.0.bias", "bn.1.weight", "bn.1.bias",
                                          "bn.2.weight", "bn.2.bias", "bn.3.weight", "bn.3.bias"});
  CHECK(bn.state_dict().at("bn.1.running_mean").shape() == Shape{4});
  CHECK(bn.state_dict().at("bn.2.running_var").shape() == Shape{6});
  CHECK(bn.channels() == 8);  // starts at the widest
  Generator g(6);
  bn.set_width_mult(0.5);
  CHECK(bn.width_index() == 1);
  Tensor x = randn({4, 4, 3, 3}, g) + 2.0;
  bn(x);
  bn(x);
  CHECK(bn.bn(1).num_batches_tracked.item() == 2);
  CHECK(bn.bn(1).running_mean.to_vector<float>() != std::vector<float>(4, 0.0f));
  for (int64_t i : {0, 2, 3}) {
    INFO("width index " << i);
    CHECK(bn.bn(i).num_batches_tracked.item() == 0);
    CHECK(bn.bn(i).running_mean.to_vector<float>() ==
          std::vector<float>(static_cast<size_t>(bn.bn(i).running_mean.numel()), 0.0f));
    CHECK(bn.bn(i).running_var.to_vector<float>() ==
          std::vector<float>(static_cast<size_t>(bn.bn(i).running_var.numel()), 1.0f));
  }
  // Training at width 1.0 leaves width 0.5's statistics as they were.
  std::vector<float> rm1 = bn.bn(1).running_mean.to_vector<float>();
  bn.set_width_index(3);
  bn(randn({4, 8, 3, 3}, g));
  CHECK(bn.bn(1).running_mean.to_vector<float>() == rm1);
  CHECK(bn.bn(3).num_batches_tracked.item() == 1);
  CHECK_THROWS_WITH(bn.set_width_mult(0.6), Contains("not one of its widths"));
}

TEST_CASE("set_width_mult switches a whole slim network", "[slim]") {
  manual_seed(7);
  auto first = std::make_shared<SlimConv2d>(3, 16, Pair{3, 3}, Pair{1, 1}, Pair{1, 1});
  first->slice_in = false;
  auto last = std::make_shared<SlimConv2d>(16, 3, Pair{3, 3}, Pair{1, 1}, Pair{1, 1});
  last->slice_out = false;
  Sequential net(
      {first, std::make_shared<SwitchableBatchNorm2d>(16), std::make_shared<ReLU>(), last});
  Generator g(8);
  Tensor x = randn({2, 3, 6, 6}, g);
  for (double w : kSlimWidths) {
    set_width_mult(net, w);
    CHECK(first->out == slim_channels(16, w));
    CHECK(net(x).shape() == Shape{2, 3, 6, 6});
  }
}

TEST_CASE("sliceable conditional BN slices the shared class embedding", "[slim][condbn]") {
  manual_seed(9);
  SliceableConditionalBatchNorm2d cbn(8, 3);
  CHECK(cbn.embed->weight.shape() == Shape{3, 16});
  CHECK(cbn.state_dict().count("bn.1.running_mean") == 1);
  CHECK(cbn.state_dict().count("bn.1.weight") == 0);  // affine off: gamma_y, beta_y replace it
  {
    NoGradGuard ng;
    cbn.embed->weight.copy_(randn({3, 16}, default_generator()));
  }
  cbn.set_width_mult(0.5);
  Generator g(10);
  Tensor x = randn({4, 4, 3, 3}, g);
  Tensor y = from_vector<int64_t>({0, 2, 2, 0}, {4});
  Tensor out = cbn(x, y);
  // out = BN_1(x) * gamma_y[:4] + beta_y[:4], gamma in columns 0..7 and beta in 8..15.
  Tensor e = cbn.embed->weight.detach();
  Tensor gb = embedding(y, e);
  Tensor normed = batch_norm(x, Tensor(), Tensor(), Tensor(), Tensor(), true);
  Tensor expect = normed * gb.slice(1, 0, 4).unsqueeze(2).unsqueeze(3) +
                  gb.slice(1, 8, 4).unsqueeze(2).unsqueeze(3);
  check_close(out, expect);
  CHECK(cbn.bn(1).num_batches_tracked.item() == 1);
  CHECK(cbn.bn(3).num_batches_tracked.item() == 0);
  sum(out * out).backward();
  // Rows of labels 0 and 2, columns [0, 4) and [8, 12): everything else stays zero.
  std::vector<float> ge = cbn.embed->weight.grad().to_vector<float>();
  for (int64_t row = 0; row < 3; ++row)
    for (int64_t col = 0; col < 16; ++col) {
      bool used = row != 1 && (col < 4 || (col >= 8 && col < 12));
      INFO("row " << row << " col " << col);
      CHECK((ge[static_cast<size_t>(row * 16 + col)] != 0.0f) == used);
    }
}

TEST_CASE("spectral norm on a slim layer normalises the full weight before slicing", "[slim][sn]") {
  manual_seed(11);
  SlimConv2d conv(8, 6, {3, 3}, {1, 1}, {1, 1}, true, true);
  TensorMap sd = conv.state_dict();
  CHECK(sd.count("weight_orig") == 1);
  CHECK(sd.at("weight_u").shape() == Shape{6});
  CHECK(sd.at("weight_v").shape() == Shape{72});
  conv.set_width_mult(0.5);
  conv.eval();  // no iteration, so sigma below uses the same u, v
  Tensor w = conv.active_weight();
  Tensor expect =
      (conv.weight / sn_sigma(conv.weight, conv.sn.u, conv.sn.v, 0)).slice(0, 0, 3).slice(1, 0, 4);
  check_close(w, expect, 1e-6);
  Generator g(12);
  CHECK(conv(randn({1, 4, 5, 5}, g)).shape() == Shape{1, 3, 5, 5});
}
