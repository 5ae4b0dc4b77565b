// Conditional batch norm and the projection discriminator head: names and initialisation, the
// closed form per label, label-dependent outputs, train vs eval, and missing-label errors.
#include <catch2/catch.hpp>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "engine/random.h"
#include "nn/capture.h"
#include "nn/cond_bn.h"

using namespace ganlite;
using namespace ganlite::nn;
using Catch::Matchers::Contains;

namespace {

std::vector<float> values(const Tensor& t) {
  return t.to_vector<float>();
}

}  // namespace

TEST_CASE("conditional BN starts as plain BN and applies per-class gamma and beta", "[condbn]") {
  manual_seed(1);
  ConditionalBatchNorm2d cbn(4, 3);
  TensorMap sd = cbn.state_dict();
  CHECK(sd.at("embed.weight").shape() == Shape{3, 8});
  CHECK(sd.count("bn.running_mean") == 1);
  CHECK(sd.count("bn.weight") == 0);
  std::vector<float> e = values(cbn.embed->weight);
  for (int64_t r = 0; r < 3; ++r)
    for (int64_t c = 0; c < 8; ++c)
      CHECK(e[static_cast<size_t>(r * 8 + c)] == (c < 4 ? 1.0f : 0.0f));

  Generator g(2);
  Tensor x = randn({4, 4, 3, 3}, g);
  Tensor plain = batch_norm(x, Tensor(), Tensor(), Tensor(), Tensor(), true);
  Tensor y0 = from_vector<int64_t>({0, 1, 2, 1}, {4});
  std::vector<float> a = values(cbn(x, y0)), b = values(plain);
  for (size_t i = 0; i < a.size(); ++i) CHECK(a[i] == Approx(b[i]).margin(1e-5));

  {
    NoGradGuard ng;
    cbn.embed->weight.copy_(randn({3, 8}, g));
  }
  Tensor same = from_vector<int64_t>({0, 0, 0, 0}, {4});
  Tensor other = from_vector<int64_t>({2, 2, 2, 2}, {4});
  CHECK(values(cbn(x, same)) != values(cbn(x, other)));
  // Closed form: BN(x) * gamma_y + beta_y per sample.
  Tensor out = cbn(x, y0);
  Tensor gb = embedding(y0, cbn.embed->weight.detach());
  Tensor expect = plain * gb.slice(1, 0, 4).unsqueeze(2).unsqueeze(3) +
                  gb.slice(1, 4, 4).unsqueeze(2).unsqueeze(3);
  a = values(out);
  b = values(expect);
  for (size_t i = 0; i < a.size(); ++i) CHECK(a[i] == Approx(b[i]).margin(1e-5));
  // Gradients reach the embedding rows of the labels used.
  sum(out * out).backward();
  std::vector<float> ge = values(cbn.embed->weight.grad());
  for (int64_t c = 0; c < 8; ++c) CHECK(ge[static_cast<size_t>(8 + c)] != 0.0f);  // label 1
}

TEST_CASE("conditional BN uses batch statistics in train and running ones in eval", "[condbn]") {
  manual_seed(3);
  ConditionalBatchNorm2d cbn(2, 2);
  Generator g(4);
  Tensor x = randn({6, 2, 4, 4}, g) * 3.0 + 1.0;
  Tensor y = from_vector<int64_t>({0, 1, 0, 1, 0, 1}, {6});
  Tensor train_out = cbn(x, y);
  CHECK(cbn.bn->num_batches_tracked.item() == 1);
  cbn.eval();
  Tensor eval_out = cbn(x, y);
  CHECK(cbn.bn->num_batches_tracked.item() == 1);
  CHECK(values(train_out) != values(eval_out));
  // Eval: (x - running_mean) / sqrt(running_var + eps), per channel, with gamma 1 and beta 0.
  std::vector<float> rm = values(cbn.bn->running_mean), rv = values(cbn.bn->running_var);
  std::vector<float> xv = values(x), ev = values(eval_out);
  for (size_t i = 0; i < xv.size(); ++i) {
    size_t c = (i / 16) % 2;
    CHECK(ev[i] == Approx((xv[i] - rm[c]) / std::sqrt(rv[c] + 1e-5)).margin(1e-5));
  }
}

TEST_CASE("label-conditioned modules need labels of the batch's size", "[condbn]") {
  ConditionalBatchNorm2d cbn(2, 2);
  Tensor x = ones({2, 2, 2, 2});
  CHECK_THROWS_WITH(cbn(x), Contains("no labels"));
  CHECK_THROWS_WITH(cbn(x, from_vector<int64_t>({0, 1, 1}, {3})), Contains("labels must be i64"));
  // set_labels on a container reaches nested modules; a feature capture still sees the output.
  auto inner = std::make_shared<ConditionalBatchNorm2d>(2, 2);
  Sequential net({inner, std::make_shared<ReLU>()});
  FeatureCapture cap(net, {"0"});
  set_labels(net, from_vector<int64_t>({1, 0}, {2}));
  Generator g(5);
  net(randn({2, 2, 2, 2}, g));
  CHECK(cap.calls("0").size() == 1);
}

TEST_CASE("projection head adds the inner product of the class embedding", "[condbn]") {
  manual_seed(6);
  Generator g(7);
  Tensor h = randn({3, 5}, g);
  Tensor y = from_vector<int64_t>({0, 3, 1}, {3});
  ProjectionHead plain(5, 4, false);
  auto& lin = dynamic_cast<Linear&>(*plain.linear);
  auto& emb = dynamic_cast<Embedding&>(*plain.embed);
  Tensor out = plain(h, y);
  CHECK(out.shape() == Shape{3, 1});
  std::vector<float> hv = values(h), w = values(lin.weight), e = values(emb.weight),
                     ov = values(out);
  std::vector<int64_t> yv = y.to_vector<int64_t>();
  for (size_t n = 0; n < 3; ++n) {
    double expect = lin.bias.item();
    for (size_t c = 0; c < 5; ++c)
      expect += (w[c] + e[static_cast<size_t>(yv[n]) * 5 + c]) * hv[n * 5 + c];
    CHECK(ov[n] == Approx(expect).margin(1e-5));
  }
  Tensor y2 = from_vector<int64_t>({2, 2, 2}, {3});
  CHECK(values(plain(h, y2)) != ov);

  ProjectionHead sn(5, 4);
  TensorMap sd = sn.state_dict();
  CHECK(sd.count("linear.weight_orig") == 1);
  CHECK(sd.count("embed.weight_u") == 1);
  CHECK(sn(h, y).shape() == Shape{3, 1});
}
