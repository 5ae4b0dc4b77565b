// StyleGAN2 (gan/models/stylegan2.h): shapes, unit-norm demodulated weights, gradients into the
// mapping net and the constant, a short adversarial run, profile figures, and outputs equal to an
// independent PyTorch version written from the equations (tests/make_stylegan2_refs.py).
#include <catch2/catch.hpp>
#include <cmath>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "engine/random.h"
#include "engine/safetensors.h"
#include "gan/models/registry.h"
#include "gan/models/stylegan2.h"
#include "gan/train/losses.h"
#include "nn/optim.h"
#include "nn/profile.h"
#include "reference.h"

using namespace ganlite;
using ganlite::test::max_abs_diff;
using namespace ganlite::gan;
using Catch::Matchers::Contains;

namespace {

// A small config: channels {4: 16, 8: 16, 16: 16, 32: 8}, 16-d z and w, two mapping layers.
const Options kTiny = {{"resolution", "32"}, {"channel_base", "256"}, {"channel_max", "16"},
                       {"z_dim", "16"},      {"w_dim", "16"},         {"n_mlp", "2"}};
const Options kTinyD = {{"resolution", "32"}, {"channel_base", "256"}, {"channel_max", "16"}};

TensorMap load(const std::string& name) {
  return test::load_reference(name);
}

double grad_abs_sum(const Tensor& t) {
  REQUIRE(t.grad().defined());
  double s = 0;
  for (float v : t.grad().to_vector<float>()) s += std::abs(v);
  return s;
}

}  // namespace

TEST_CASE("StyleGAN2 G and D shapes at 32 and 64 px", "[stylegan2]") {
  manual_seed(1);
  for (const char* res : {"32", "64"}) {
    Options g_opts = kTiny, d_opts = kTinyD;
    g_opts["resolution"] = d_opts["resolution"] = res;
    const int64_t r = std::stoll(res);
    auto g = make_model("stylegan2_generator", g_opts);
    auto d = make_model("stylegan2_discriminator", d_opts);
    CHECK(profile_input("stylegan2_generator", g_opts, 3, 256, 256) == Shape{3, 16});
    CHECK(profile_input("stylegan2_discriminator", d_opts, 3, 256, 256) == Shape{3, 3, r, r});
    NoGradGuard ng;
    Tensor img = (*g)(randn({3, 16}, default_generator()));
    CHECK(img.shape() == Shape{3, 3, r, r});
    CHECK((*d)(img).shape() == Shape{3, 1});
  }
  REQUIRE_THROWS_WITH(make_model("stylegan2_generator", {{"resolution", "128"}}),
                      Contains("option resolution expects one of 32, 64, got 128"));
  auto g = make_model("stylegan2_generator", kTiny);
  REQUIRE_THROWS_WITH((*g)(zeros({2, 8})), Contains("(N, 16)"));
  ModulatedConv2d m(4, 4, 3, 8);
  REQUIRE_THROWS_WITH(m(zeros({1, 4, 4, 4})), Contains("needs the style vector w"));
}

TEST_CASE("demodulation makes each (sample, output channel) weight unit-norm", "[stylegan2]") {
  manual_seed(2);
  ModulatedConv2d m(5, 7, 3, 6);
  Tensor w = randn({3, 6}, default_generator()) * 3.0;  // styles far from 1
  NoGradGuard ng;
  Tensor wm = m.modulated_weight(w);  // (3, 7, 5, 3, 3)
  REQUIRE(wm.shape() == Shape{3, 7, 5, 3, 3});
  std::vector<float> norms = sqrt(sum(wm * wm, {2, 3, 4})).to_vector<float>();
  REQUIRE(norms.size() == 21);
  for (float v : norms) CHECK(v == Approx(1.0).epsilon(1e-5));
  // Without demodulation (ToRgb) the norms follow the styles instead.
  ModulatedConv2d rgb(5, 3, 1, 6, false);
  std::vector<float> raw =
      sqrt(sum(pow(rgb.modulated_weight(w), 2.0), {2, 3, 4})).to_vector<float>();
  CHECK(std::abs(raw[0] - 1.0f) > 1e-3);
}

TEST_CASE("gradients reach the mapping network, the constant input and the noise strengths",
          "[stylegan2]") {
  manual_seed(3);
  auto g = std::dynamic_pointer_cast<StyleGan2Generator>(make_model("stylegan2_generator", kTiny));
  auto d = make_model("stylegan2_discriminator", kTinyD);
  REQUIRE(g);
  d->requires_grad_(false);
  Tensor loss = g_loss(GanMode::vanilla, (*d)((*g)(randn({2, 16}, default_generator()))));
  loss.backward();
  TensorMap sd;
  for (auto& [k, v] : g->named_parameters()) sd[k] = v;
  for (const char* k :
       {"mapping.0.weight", "mapping.0.bias", "mapping.1.weight", "input", "b4.conv1.conv.weight",
        "b4.conv1.conv.modulation.weight", "b8.conv0.noise_strength",
        "b32.to_rgb.conv.modulation.bias", "b32.to_rgb.bias"}) {
    INFO(k);
    REQUIRE(sd.count(k) == 1);
    CHECK(grad_abs_sum(sd.at(k)) > 0);
  }
  CHECK(sd.at("input").shape() == Shape{1, 16, 4, 4});
  for (auto& p : d->parameters()) CHECK(!p.grad().defined());  // D was frozen
}

TEST_CASE("a few Adam steps of a tiny StyleGAN2 lower D's loss on a fixed batch", "[stylegan2]") {
  // A behavioural smoke check (D learns to separate a fixed real batch from G's samples while G
  // also steps), not a claim about sample quality.
  manual_seed(4);
  auto g = std::dynamic_pointer_cast<StyleGan2Generator>(make_model("stylegan2_generator", kTiny));
  auto d = make_model("stylegan2_discriminator", kTinyD);
  Generator gen(40);
  g->set_fixed_noise(gen);
  Tensor real = tanh(randn({4, 3, 32, 32}, gen));
  Tensor z = randn({4, 16}, gen);
  nn::Adam opt_g(g->parameters(), 2e-3, 0.0, 0.99), opt_d(d->parameters(), 2e-3, 0.0, 0.99);
  auto d_loss_now = [&] {
    NoGradGuard ng;
    return d_loss(GanMode::hinge, (*d)(real), (*d)((*g)(z))).item();
  };
  const double before = d_loss_now();
  for (int step = 0; step < 6; ++step) {
    d->requires_grad_(true);
    opt_d.zero_grad();
    Tensor fake = (*g)(z).detach();
    d_loss(GanMode::hinge, (*d)(real), (*d)(fake)).backward();
    opt_d.step();

    d->requires_grad_(false);  // style.md: D frozen and bit-identical through the G step
    TensorMap d_before = d->state_dict();
    for (auto& [k, v] : d_before) v = v.clone();
    opt_g.zero_grad();
    g_loss(GanMode::hinge, (*d)((*g)(z))).backward();
    opt_g.step();
    for (auto& [k, v] : d->state_dict()) REQUIRE(max_abs_diff(v, d_before.at(k)) == 0);
  }
  const double after = d_loss_now();
  INFO("D hinge loss " << before << " -> " << after);
  CHECK(after < before);
}

// Default 64 px (z = w = 512, 8 mapping layers, channels {4: 512, 8: 512, 16: 256, 32: 128,
// 64: 64}), batch 1. MACs: mapping 8 * 512 * 512; per StyledConv numel(out) * C_in * 9 plus its
// style linear C_in * 512; per ToRgb 3 * r^2 * C plus C * 512; D: EqualConv2d numel(out) *
// C_in * k^2 (the pooled convs on the half grid), the two linears. Totals from the same
// arithmetic in Python (tests/make_stylegan2_refs.py's layer list).
TEST_CASE("StyleGAN2 64 px: G 13.75M params 1.705G MACs, D 14.04M params 0.940G MACs",
          "[stylegan2]") {
  auto g = make_model("stylegan2_generator");
  nn::Profile p = nn::profile(*g, profile_input("stylegan2_generator", {}, 1, 64, 64));
  CHECK(p.params == 13749208);
  CHECK(p.macs_torchprofile == 1704517632.0);
  CHECK(p.macs_true == p.macs_torchprofile);
  CHECK(p.layers.back().output == Shape{1, 3, 64, 64});
  bool saw_modconv = false;
  for (auto& l : p.layers)
    if (l.name == "b64.conv1.conv") {
      saw_modconv = true;
      CHECK(l.type == "ModulatedConv2d");
      CHECK(l.params == 64 * 64 * 9);  // its own weight; the modulation is a layer of its own
      CHECK(l.macs_true == 64.0 * 64 * 64 * 64 * 9);
    }
  CHECK(saw_modconv);
  auto d = make_model("stylegan2_discriminator");
  nn::Profile pd = nn::profile(*d, profile_input("stylegan2_discriminator", {}, 1, 64, 64));
  CHECK(pd.params == 14037569);
  CHECK(pd.macs_true == 940384768.0);
  CHECK(pd.layers.back().output == Shape{1, 1});
}

TEST_CASE("StyleGAN2 layers equal an independent PyTorch version", "[stylegan2]") {
  NoGradGuard ng;
  {
    ModulatedConv2d m(4, 6, 3, 8, true, true);
    m.load_state_dict(load("sg2_modconv"));
    TensorMap io = load("sg2_modconv_io");
    double d = max_abs_diff(m.forward(io["x"], io["w"]), io["out"]);
    INFO("ModulatedConv2d (upsampling, demodulated): max abs difference " << d);
    CHECK(d < 1e-4);
  }
  {
    SynthesisBlock b(8, 6, 8, false);
    b.load_state_dict(load("sg2_block"));
    TensorMap io = load("sg2_block_io");
    b.conv0->fixed_noise = io["noise0"];
    b.conv1->fixed_noise = io["noise1"];
    auto [x, rgb] = b.forward(io["x"], io["rgb"], io["w"]);
    double dx = max_abs_diff(x, io["out_x"]), drgb = max_abs_diff(rgb, io["out_rgb"]);
    INFO("SynthesisBlock: max abs difference x " << dx << ", rgb " << drgb);
    CHECK(dx < 1e-4);
    CHECK(drgb < 1e-4);
  }
  {
    StyleGan2Options o;
    o.resolution = 16;
    o.z_dim = o.w_dim = 16;
    o.n_mlp = 2;
    o.channel_base = 128;
    o.channel_max = 16;
    StyleGan2Generator g(o);
    g.load_state_dict(load("sg2_g16"));
    g.eval();
    TensorMap io = load("sg2_g16_io");
    for (size_t i = 0; i < g.blocks.size(); ++i) {
      std::string b = "noise.b" + std::to_string(4 << i);
      if (g.blocks[i]->conv0) g.blocks[i]->conv0->fixed_noise = io.at(b + ".conv0");
      g.blocks[i]->conv1->fixed_noise = io.at(b + ".conv1");
    }
    double d = max_abs_diff(g(io["input"]), io["output"]);
    INFO("16 px generator: max abs difference " << d);
    CHECK(d < 1e-4);
  }
  {
    StyleGan2Options o;
    o.resolution = 16;
    o.channel_base = 128;
    o.channel_max = 16;
    StyleGan2Discriminator dnet(o);
    dnet.load_state_dict(load("sg2_d16"));
    TensorMap io = load("sg2_d16_io");
    double d = max_abs_diff(dnet(io["input"]), io["output"]);
    INFO("16 px discriminator (batch 8, stddev groups of 4): max abs difference " << d);
    CHECK(d < 1e-4);
  }
}

TEST_CASE("minibatch stddev groups samples j, j + N/G, ... and handles N not divisible by 4",
          "[stylegan2]") {
  // N = 4, G = 4: one group; the feature is the mean over C, H, W of the population std.
  Tensor x = from_vector<float>({0, 2, 1, 1, 4, 4, 0, 0}, {4, 2, 1, 1});
  // Channel 0 over samples {0, 1, 4, 0}: std sqrt(2.6875); channel 1 {2, 1, 4, 0}: sqrt(2.1875).
  std::vector<float> f = minibatch_stddev(x).slice(1, 2, 1).to_vector<float>();
  const double want = (std::sqrt(2.6875) + std::sqrt(2.1875)) / 2;
  for (float v : f) CHECK(v == Approx(want).epsilon(1e-5));
  // N = 6: groups of 3 (the largest divisor <= 4), two groups {0, 2, 4} and {1, 3, 5}.
  Tensor y = from_vector<float>({0, 10, 3, 10, 6, 10}, {6, 1, 1, 1});
  std::vector<float> fy = minibatch_stddev(y).slice(1, 1, 1).to_vector<float>();
  const double sd = std::sqrt(6.0);  // std of {0, 3, 6}; group {10, 10, 10} has 0 (+ 1e-8)
  CHECK(fy[0] == Approx(sd).epsilon(1e-5));
  CHECK(fy[2] == Approx(sd).epsilon(1e-5));
  CHECK(fy[1] == Approx(1e-4).margin(1e-4));
}
