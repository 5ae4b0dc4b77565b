// The class-conditional SNGAN pair (gan/models/sngan.h): shapes, label dependence, spectral norm in
// D, parity of a conditional-BN up block and a tiny G with PyTorch (tests/make_model_refs.py),
// profile figures by hand, MACs of the SN, slim and conditional layers, init_weights on them,
// and a few hinge-loss Adam steps.
#include <catch2/catch.hpp>
#include <cmath>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "engine/random.h"
#include "engine/safetensors.h"
#include "gan/models/registry.h"
#include "gan/models/sngan.h"
#include "gan/train/losses.h"
#include "nn/init.h"
#include "nn/optim.h"
#include "nn/profile.h"
#include "nn/slim.h"
#include "reference.h"

using namespace ganlite;
using ganlite::test::max_abs_diff;

namespace {

Tensor labels(std::vector<int64_t> y) {
  int64_t n = static_cast<int64_t>(y.size());
  return from_vector<int64_t>(y, {n});
}

// Every conditional-BN table of net gets N(0, 1) entries, so classes differ clearly.
void randomize_class_tables(nn::Module& net) {
  NoGradGuard ng;
  for (auto& [name, t] : net.named_parameters())
    if (name.size() >= 12 && name.compare(name.size() - 12, 12, "embed.weight") == 0)
      t.copy_(randn(t.shape(), default_generator()));
}

// The top singular value of a matrix by 500 power iterations in double, from a fixed start.
double top_singular_value(const Tensor& m) {
  Tensor w = m.contiguous().to(DType::f64);
  Tensor v = ones({w.size(1), 1}, DType::f64);
  double sigma = 0;
  for (int i = 0; i < 500; ++i) {
    Tensor u = matmul(w, v);
    u = u / std::sqrt(sum(u * u).item());
    v = matmul(w.transpose(0, 1), u);
    sigma = std::sqrt(sum(v * v).item());
    v = v / sigma;
  }
  return sigma;
}

nn::Profile profile_of(nn::Module& m, const Shape& input) {
  return nn::profile(m, input);
}

}  // namespace

TEST_CASE("SNGAN G maps (N, z) and labels to (N, C, 32, 32) in [-1, 1]; D to (N, 1)", "[sngan]") {
  manual_seed(1);
  auto g = std::dynamic_pointer_cast<gan::SnganGenerator>(
      gan::make_model("sngan_generator", {{"ch", "16"}, {"output_nc", "1"}}));
  REQUIRE(g);
  NoGradGuard ng;
  Tensor y = labels({0, 3, 9});
  Tensor x = (*g)(randn({3, 128}, default_generator()), y);
  CHECK(x.shape() == Shape{3, 1, 32, 32});
  CHECK(max(abs(x)).item() <= 1.0);
  auto d = std::dynamic_pointer_cast<gan::SnganDiscriminator>(
      gan::make_model("sngan_discriminator", {{"ndf", "16"}, {"input_nc", "1"}}));
  REQUIRE(d);
  CHECK((*d)(x, y).shape() == Shape{3, 1});
  // Without labels the conditional layers refuse to run; a wrong image size is named.
  auto d2 = gan::make_model("sngan_discriminator", {{"ndf", "16"}});
  CHECK_THROWS_WITH((*d2)(zeros({2, 3, 32, 32})), Catch::Matchers::Contains("no labels"));
  CHECK_THROWS_WITH((*d)(zeros({3, 1, 28, 28}), y), Catch::Matchers::Contains("32, 32"));
  CHECK_THROWS_WITH((*g)(zeros({3, 100}), y), Catch::Matchers::Contains("(N, 128)"));
  TensorMap sd = g->state_dict();
  for (const char* k : {"l1.weight", "block2.b1.embed.weight", "block2.b1.bn.running_var",
                        "block4.c_sc.weight", "b5.weight", "c5.bias"})
    CHECK(sd.count(k) == 1);
  TensorMap sdd = d->state_dict();
  for (const char* k : {"block1.c1.weight_orig", "block1.c_sc.weight_u", "block2.c_sc.bias",
                        "block4.c2.weight_v", "head.linear.weight_orig", "head.embed.weight_orig"})
    CHECK(sdd.count(k) == 1);
  CHECK(sdd.count("block3.c_sc.weight_orig") == 0);  // same size, no downsampling: identity
}

TEST_CASE("SNGAN G and D outputs depend on the class label", "[sngan]") {
  manual_seed(2);
  nn::ModulePtr gm = gan::make_model("sngan_generator", {{"ch", "16"}});
  auto& g = dynamic_cast<gan::SnganGenerator&>(*gm);
  randomize_class_tables(g);
  g.eval();  // running statistics: each sample's output depends on its own label only
  NoGradGuard ng;
  Tensor z = randn({1, 128}, default_generator());
  Tensor zz = concat({z, z, z}, 0);
  Tensor x = g(zz, labels({1, 1, 7}));
  Tensor a = x.slice(0, 0, 1), b = x.slice(0, 1, 1), c = x.slice(0, 2, 1);
  CHECK(max_abs_diff(a, b) == 0.0);
  CHECK(max_abs_diff(a, c) > 1e-3);

  nn::ModulePtr dm = gan::make_model("sngan_discriminator", {{"ndf", "16"}});
  auto& d = dynamic_cast<gan::SnganDiscriminator&>(*dm);
  d.eval();
  Tensor img = concat({a, a}, 0);
  std::vector<float> logits = d(img, labels({2, 5})).to_vector<float>();
  CHECK(std::abs(logits[0] - logits[1]) > 1e-4);
}

// sigma = u^T W v <= sigma_max(W) for unit u, v, so W_sn = W / sigma has spectral norm >= 1, and
// one power iteration per training forward brings it down to 1. A freshly initialised conv
// weight is close to a random matrix, whose top singular values have no gap, so the estimate
// converges slowly: within 5% after 30 forwards, within 1% after 200.
TEST_CASE("spectral norm is active in SNGAN D: each SN weight has spectral norm 1", "[sngan]") {
  manual_seed(3);
  nn::ModulePtr dm = gan::make_model("sngan_discriminator", {{"ndf", "16"}});
  dm->train();
  Tensor x = randn({2, 3, 32, 32}, default_generator());
  nn::set_labels(*dm, labels({0, 1}));
  auto check_sn = [&](int forwards, double tol) {
    NoGradGuard ng;
    for (int i = 0; i < forwards; ++i) (*dm)(x);
    int convs = 0;
    for (auto& [name, m] : dm->named_modules()) {
      auto* c = dynamic_cast<nn::SNConv2d*>(m);
      if (!c) continue;
      ++convs;
      double s_orig = top_singular_value(nn::sn_weight_matrix(c->sn.weight_orig, 0));
      double s_sn = top_singular_value(nn::sn_weight_matrix(c->weight(), 0));
      INFO(name << ": sigma(W) " << s_orig << ", sigma(W_sn) " << s_sn);
      CHECK(std::abs(s_orig - s_sn) > 0.02);  // the normalisation did something
      CHECK(s_sn >= 1.0 - 1e-5);
      CHECK(s_sn == Approx(1.0).margin(tol));
    }
    CHECK(convs == 2 * 4 + 2);  // c1, c2 per block, c_sc in block1 and block2
  };
  check_sn(30, 5e-2);
  check_sn(170, 1e-2);
}

TEST_CASE("SNGAN G block with conditional BN matches PyTorch (labels, eval)", "[sngan]") {
  manual_seed(4);
  gan::SnganGBlock block(8, 6, 5);
  block.load_state_dict(test::load_reference("sngan_gblock_small"));
  block.eval();
  TensorMap io = test::load_reference("sngan_gblock_small_io");
  NoGradGuard ng;
  double d = max_abs_diff(block(io["input"], io["labels"]), io["output"]);
  INFO("SNGAN G block vs PyTorch: max abs difference " << d);
  CHECK(d < 1e-4);
}

TEST_CASE("tiny SNGAN G (ch 8, z 16, 5 classes) matches PyTorch", "[sngan]") {
  nn::ModulePtr gm =
      gan::make_model("sngan_generator", {{"ch", "8"}, {"z_dim", "16"}, {"num_classes", "5"}});
  auto& g = dynamic_cast<gan::SnganGenerator&>(*gm);
  g.load_state_dict(test::load_reference("sngan_g_small"));
  g.eval();
  TensorMap io = test::load_reference("sngan_g_small_io");
  NoGradGuard ng;
  double d = max_abs_diff(g(io["input"], io["labels"]), io["output"]);
  INFO("SNGAN G vs PyTorch: max abs difference " << d);
  CHECK(d < 1e-4);
}

// Default G (z 128, ch 256, 10 classes), batch 1. Params: l1 128*4096 + 4096 = 528,384; per
// block CBN tables 2 * 10*512 = 10,240, c1 and c2 256*256*9 + 256 = 590,080 each, c_sc
// 256*256 + 256 = 65,792: 1,256,192, three blocks 3,768,576; b5 512; c5 3*256*9 + 3 = 6,915.
// Total 4,304,387.
// MACs (no transposed convs, so torchprofile = true): l1 4096 * 128 = 524,288. A block on an
// H x W input: CBNs numel(out) 256HW + 1024HW, c1 and c2 on the 2H x 2W grid 1024HW * 2304 each,
// c_sc 1024HW * 256: 4,982,016 HW; HW = 16 + 64 + 256 = 336: 1,673,957,376. b5 (affine BN)
// 256 * 1024 = 262,144; c5 3 * 1024 * 2304 = 7,077,888. Total 1,681,821,696.
TEST_CASE("SNGAN G 32x32 (ch 256): 4.304M params, 1.682G MACs", "[sngan][models]") {
  nn::ModulePtr g = gan::make_model("sngan_generator");
  Shape z = gan::profile_input("sngan_generator", {}, 1, 256, 256);
  CHECK(z == Shape{1, 128});
  nn::Profile p = profile_of(*g, z);
  CHECK(p.params == 4304387);
  CHECK(p.macs_torchprofile == 1681821696.0);
  CHECK(p.macs_true == 1681821696.0);
  CHECK(p.layers.back().output == Shape{1, 3, 32, 32});
  int cbn = 0;
  for (auto& l : p.layers) cbn += l.type == "ConditionalBatchNorm2d";
  CHECK(cbn == 6);
  // Profiling sets label 0 only for its own call: afterwards the net has no labels again.
  CHECK_THROWS((*g)(zeros({1, 128})));
}

// Default D (ndf 128, 3-channel 32x32, 10 classes), batch 1. Params: block1 c1 3*128*9 + 128 =
// 3,584, c2 128*128*9 + 128 = 147,584, c_sc 3*128 + 128 = 512: 151,680; block2 2 * 147,584 +
// c_sc 16,512 = 311,680; block3 and block4 295,168 each; head linear 129 + embedding 1,280.
// Total 1,055,105.
// MACs: block1 c1 131,072 * 27 = 3,538,944, c2 131,072 * 1152 = 150,994,944, pools (numel(out),
// torchprofile's avg_pool rule) 32,768 + 768, c_sc after the pool 32,768 * 3 = 98,304:
// 154,665,728. block2 c1, c2 on 16x16 32,768 * 1152 each, c_sc on 16x16 32,768 * 128, pools
// 8,192 * 2: 79,708,160. block3, block4 8,192 * 1152 * 2 each: 37,748,736. Head: linear 128, the
// projection's product 128. Total 272,122,880.
TEST_CASE("SNGAN D 32x32 (ndf 128): 1.055M params, 0.272G MACs", "[sngan][models]") {
  nn::ModulePtr d = gan::make_model("sngan_discriminator");
  Shape x = gan::profile_input("sngan_discriminator", {}, 1, 256, 256);
  CHECK(x == Shape{1, 3, 32, 32});
  nn::Profile p = profile_of(*d, x);
  CHECK(p.params == 1055105);
  CHECK(p.macs_torchprofile == 272122880.0);
  CHECK(p.macs_true == 272122880.0);
  CHECK(p.layers.back().output == Shape{1, 1});
  CHECK(p.layers.back().type == "ProjectionHead");
}

TEST_CASE("profile counts SN layers as their plain layers", "[sngan][sn]") {
  manual_seed(5);
  nn::SNConv2d sc(4, 6, {3, 3}, {1, 1}, {1, 1});
  nn::Conv2d pc(4, 6, {3, 3}, {1, 1}, {1, 1});
  nn::Profile a = nn::profile(sc, {2, 4, 8, 8}), b = nn::profile(pc, {2, 4, 8, 8});
  CHECK(a.macs_torchprofile == b.macs_torchprofile);
  CHECK(a.macs_torchprofile == 2.0 * 6 * 64 * 4 * 9);
  CHECK(a.params == b.params);
  // Transposed: torchprofile on the output grid, true on the input grid.
  nn::SNConvTranspose2d st(4, 6, {4, 4}, {2, 2}, {1, 1});
  nn::Profile t = nn::profile(st, {1, 4, 8, 8});
  CHECK(t.macs_torchprofile == 6.0 * 16 * 16 * 4 * 16);
  CHECK(t.macs_true == 4.0 * 8 * 8 * 6 * 16);
  nn::SNLinear sl(5, 3);
  CHECK(nn::profile(sl, {2, 5}).macs_torchprofile == 2.0 * 3 * 5);
}

TEST_CASE("profile counts slim layers at their current width, params at full size",
          "[sngan][slim]") {
  manual_seed(6);
  nn::SlimConv2d conv(16, 32, {3, 3}, {1, 1}, {1, 1});
  double full = nn::profile(conv, {1, 16, 8, 8}).macs_torchprofile;
  CHECK(full == 32.0 * 64 * 16 * 9);
  conv.set_width_mult(0.5);
  nn::Profile half = nn::profile(conv, {1, 8, 8, 8});
  CHECK(half.macs_torchprofile == full / 4);
  CHECK(half.params == 16 * 32 * 9 + 32);  // the full tensors, shared by every width
  CHECK(half.layers[0].params == 16 * 32 * 9 + 32);

  nn::SlimConvTranspose2d up(16, 8, {4, 4}, {2, 2}, {1, 1});
  up.set_width_mult(0.5);  // 8 -> 4 channels
  nn::Profile t = nn::profile(up, {1, 8, 4, 4});
  CHECK(t.macs_torchprofile == 4.0 * 8 * 8 * 8 * 16);
  CHECK(t.macs_true == 8.0 * 4 * 4 * 4 * 16);

  nn::SlimLinear lin(128, 64);
  lin.set_width_mult(0.25);
  CHECK(nn::profile(lin, {2, 32}).macs_torchprofile == 2.0 * 16 * 32);

  // Switchable BN: the selected private BN (affine) counts numel(out). Sliceable CBN: its
  // conditional affine counts numel(out), its private BN (no affine) 0.
  nn::SwitchableBatchNorm2d sbn(16);
  sbn.set_width_mult(0.5);
  CHECK(nn::profile(sbn, {2, 8, 4, 4}).macs_torchprofile == 2.0 * 8 * 16);
  nn::SliceableConditionalBatchNorm2d scbn(16, 10);
  scbn.set_width_mult(0.75);
  CHECK(nn::profile(scbn, {2, 12, 4, 4}).macs_torchprofile == 2.0 * 12 * 16);
  nn::ConditionalBatchNorm2d cbn(16, 10);
  CHECK(nn::profile(cbn, {2, 16, 4, 4}).macs_torchprofile == 2.0 * 16 * 16);
}

TEST_CASE("init_weights reaches SN weights, slim weights and conditional BN tables",
          "[sngan][init]") {
  manual_seed(7);
  nn::ModulePtr d = gan::make_model("sngan_discriminator", {{"ndf", "16"}});
  auto* c1 = dynamic_cast<nn::SNConv2d*>(d->submodule("block2.c1"));
  REQUIRE(c1);
  std::vector<float> before = c1->sn.weight_orig.to_vector<float>();
  nn::init_weights(*d, "normal", 0.02);
  std::vector<float> after = c1->sn.weight_orig.to_vector<float>();
  CHECK(after != before);
  double ss = 0;
  for (float w : after) ss += double(w) * w;
  CHECK(std::sqrt(ss / after.size()) == Approx(0.02).epsilon(0.1));
  CHECK(max(abs(c1->bias)).item() == 0.0);
  auto* e = dynamic_cast<nn::SNEmbedding*>(d->submodule("head.embed"));
  REQUIRE(e);
  CHECK(max(abs(e->sn.weight_orig)).item() < 0.2);  // N(0, 0.02), not the N(0, 1) default

  nn::ModulePtr g = gan::make_model("sngan_generator", {{"ch", "16"}});
  nn::init_weights(*g, "normal", 0.02);
  auto* cbn = dynamic_cast<nn::ConditionalBatchNorm2d*>(g->submodule("block3.b2"));
  REQUIRE(cbn);
  Tensor gamma = cbn->embed->weight.slice(1, 0, 16), beta = cbn->embed->weight.slice(1, 16, 16);
  CHECK(mean(gamma).item() == Approx(1.0).margin(0.01));
  CHECK(max(abs(gamma - 1.0)).item() > 0);
  CHECK(max(abs(gamma - 1.0)).item() < 0.2);
  CHECK(max(abs(beta)).item() == 0.0);

  nn::SlimConv2d slim(8, 8, {3, 3}, {1, 1}, {1, 1}, true, true);
  nn::init_weights(slim, "normal", 0.02);
  CHECK(max(abs(slim.weight)).item() < 0.2);
  CHECK(max(abs(slim.bias)).item() == 0.0);
}

TEST_CASE("a few hinge-loss Adam steps of SNGAN G and D lower D's loss on a fixed batch",
          "[sngan]") {
  manual_seed(8);
  nn::ModulePtr gm = gan::make_model("sngan_generator", {{"ch", "16"}});
  nn::ModulePtr dm = gan::make_model("sngan_discriminator", {{"ndf", "16"}});
  auto& g = dynamic_cast<gan::SnganGenerator&>(*gm);
  auto& d = dynamic_cast<gan::SnganDiscriminator&>(*dm);
  nn::Adam opt_g(g.parameters(), 2e-4, 0.0, 0.9), opt_d(d.parameters(), 2e-4, 0.0, 0.9);
  // Real images: a smooth per-class pattern; fake ones start as G's near-constant output.
  Tensor y = labels({0, 1, 2, 3});
  Tensor real = tanh(randn({4, 3, 32, 32}, default_generator()) * 0.5 + 0.5);
  Tensor z = randn({4, 128}, default_generator());
  auto d_loss_now = [&] {
    Tensor fake = g(z, y).detach();
    return gan::d_loss(gan::GanMode::hinge, d(real, y), d(fake, y));
  };
  double first = 0, last = 0;
  for (int step = 0; step < 6; ++step) {
    opt_d.zero_grad();
    Tensor ld = d_loss_now();
    if (step == 0) first = ld.item();
    ld.backward();
    opt_d.step();
    // G step with D frozen: D must come out bit-identical.
    TensorMap d_before;
    for (auto& [n, t] : d.state_dict()) d_before[n] = t.clone();
    d.requires_grad_(false);
    opt_g.zero_grad();
    gan::g_loss(gan::GanMode::hinge, d(g(z, y), y)).backward();
    opt_g.step();
    d.requires_grad_(true);
    if (step == 0) {
      // weight_u/v move in every training forward (power iteration); parameters must not.
      for (auto& [n, t] : d.named_parameters()) CHECK(max_abs_diff(t, d_before.at(n)) == 0.0);
    }
  }
  last = d_loss_now().item();
  INFO("D hinge loss " << first << " -> " << last);
  CHECK(last < first);
}
