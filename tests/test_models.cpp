// Architectures: parameter names, counts and MACs of the published models, and outputs equal to
// PyTorch's for state_dicts saved from PyTorch (tests/make_model_refs.py).
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "engine/autograd.h"
#include "engine/safetensors.h"
#include "gan/models/dcgan.h"
#include "gan/models/registry.h"
#include "gan/models/vgg16.h"
#include "nn/profile.h"
#include "reference.h"

using namespace ganlite;
using Catch::Matchers::Contains;
using ganlite::test::max_abs_diff;

namespace {

void check_against_pytorch(const std::string& model, const gan::Options& opts,
                           const std::string& ref) {
  nn::ModulePtr net = gan::make_model(model, opts);
  net->load_state_dict(test::load_reference(ref));
  net->eval();
  TensorMap io = test::load_reference(ref + "_io");
  NoGradGuard ng;
  double d = max_abs_diff((*net)(io["input"]), io["output"]);
  INFO(model << " vs PyTorch: max abs difference " << d);
  CHECK(d < 1e-4);
}

}  // namespace

TEST_CASE("CycleGAN ResNet-9: 11.378M params, 56.8G torchprofile MACs, 49.55G true", "[models]") {
  nn::ModulePtr g = gan::make_model("resnet_generator");
  nn::Profile p = nn::profile(*g, {1, 3, 256, 256});
  CHECK(p.params == 11378179);
  CHECK(p.macs_torchprofile == Approx(56.8e9).epsilon(0.001));
  CHECK(p.macs_true == Approx(49.55e9).epsilon(0.001));
  CHECK(p.layers.back().output == Shape{1, 3, 256, 256});
  TensorMap sd = g->state_dict();
  for (const char* k : {"model.1.weight", "model.4.bias", "model.10.conv_block.1.weight",
                        "model.18.conv_block.5.bias", "model.19.weight", "model.26.weight"})
    CHECK(sd.count(k) == 1);
  CHECK(sd.size() == 2 + 2 + 2 + 9 * 4 + 2 + 2 + 2);  // InstanceNorm has no parameters
}

TEST_CASE("PatchGAN 70x70 (3-channel input): 2.765M params, 3.15G MACs", "[models]") {
  nn::ModulePtr d = gan::make_model("patchgan");
  nn::Profile p = nn::profile(*d, {1, 3, 256, 256});
  CHECK(p.params == 2765633);
  CHECK(p.macs_torchprofile == Approx(3.15e9).epsilon(0.005));
  CHECK(p.layers.back().output == Shape{1, 1, 30, 30});
}

// U-Net-256 (ngf 64, num_downs 8, batch norm), level by level as (C_out, C_in) of the down conv:
// params: outermost 3*64*16 + (128*3*16 + 3) = 9,219; (128,64): 131,072 + 256 + 262,144 + 128 =
// 393,600; (256,128): 1,573,632; (512,256): 6,292,992; three (512,512) middles 12,584,960 each;
// innermost 4,194,304 * 2 + 1,024 = 8,389,632. Total 54,413,955.
// torchprofile MACs: down convs 2,017,460,224; transposed convs on the output grid
// 16,122,904,576; affine BNs 2,969,600; LeakyReLUs 2,009,088: 18,145,343,488. True MACs count
// the transposed convs on their input grid, 4,030,726,144: 6,053,165,056.
TEST_CASE("pix2pix U-Net-256: 54.41M params, 18.15G torchprofile MACs, 6.05G true", "[models]") {
  nn::ModulePtr g = gan::make_model("unet_generator");
  nn::Profile p = nn::profile(*g, {1, 3, 256, 256});
  CHECK(p.params == 54413955);
  CHECK(p.macs_torchprofile == 18145343488.0);
  CHECK(p.macs_torchprofile == Approx(18.14e9).epsilon(0.03));  // performance.md's figure
  CHECK(p.macs_true == 6053165056.0);
  CHECK(p.layers.back().output == Shape{1, 3, 256, 256});
  TensorMap sd = g->state_dict();
  // The nesting: outermost model.model, each level's submodule at index 3 (1 for the outermost);
  // the innermost of num_downs 8 is seven levels down.
  for (const char* k :
       {"model.model.0.weight", "model.model.3.weight", "model.model.3.bias",
        "model.model.1.model.1.weight", "model.model.1.model.2.running_mean",
        "model.model.1.model.5.weight", "model.model.1.model.6.bias",
        "model.model.1.model.3.model.3.model.3.model.3.model.3.model.3.model.1.weight",
        "model.model.1.model.3.model.3.model.3.model.3.model.3.model.3.model.3.weight",
        "model.model.1.model.3.model.3.model.3.model.3.model.3.model.3.model.4.running_var"})
    CHECK(sd.count(k) == 1);
  CHECK(sd.count("model.model.0.bias") == 0);  // no bias before a batch norm
  CHECK(sd.count("model.model.1.model.1.bias") == 0);
}

TEST_CASE("U-Net options: instance norm adds biases, dropout sits after the up norm", "[models]") {
  nn::ModulePtr g = gan::make_model(
      "unet_generator",
      {{"num_downs", "6"}, {"ngf", "4"}, {"norm", "instance"}, {"use_dropout", "true"}});
  TensorMap sd = g->state_dict();
  CHECK(sd.count("model.model.0.bias") == 1);
  CHECK(sd.count("model.model.1.model.1.bias") == 1);
  nn::Profile p = nn::profile(*g, {2, 3, 64, 64});
  CHECK(p.layers.back().output == Shape{2, 3, 64, 64});
  std::vector<std::string> dropouts;
  for (auto& l : p.layers)
    if (l.type == "Dropout") dropouts.push_back(l.name);
  // One per ngf*8 middle block (num_downs - 5), at index 7 after ReLU, upconv and norm.
  CHECK(dropouts == std::vector<std::string>{"model.model.1.model.3.model.3.model.3.model.7"});
  REQUIRE_THROWS_WITH(gan::make_model("unet_generator", {{"num_downs", "4"}}),
                      Contains("option num_downs expects an integer >= 5, got '4'"));
}

// Mobile ResNet (gan-compression), ngf 16, 9 blocks at 64 channels, instance norm:
// params: stem 3*16*49 + 16 = 2,368; down 4,640 + 18,496; each separable conv depthwise
// 64*9 + 64 = 640 plus pointwise 64*64 + 64 = 4,160, two per block: 9 * 9,600 = 86,400; up
// 18,464 + 4,624; head 16*3*49 + 3 = 2,355. Total 137,347.
// torchprofile MACs (non-affine InstanceNorm counts 0): stem and head 154,140,672 each; down
// 75,497,472 each; blocks 9 * 2 * (4096*64*9 + 4096*64*64) = 344,457,216; transposed convs on
// the output grid 301,989,888 each: 1,407,713,280. True: transposed convs 75,497,472 each:
// 954,728,448. (gan-compression's 1.42G is torchprofile 0.0.2, which counted every
// instance_norm as numel(out): + 12,845,056 = 1,420,558,336.)
TEST_CASE("mobile ResNet generator, ngf 16: 0.137M params, 1.408G torchprofile MACs", "[models]") {
  nn::ModulePtr g = gan::make_model("mobile_resnet_generator", {{"ngf", "16"}});
  nn::Profile p = nn::profile(*g, {1, 3, 256, 256});
  CHECK(p.params == 137347);
  CHECK(p.macs_torchprofile == 1407713280.0);
  CHECK(p.macs_true == 954728448.0);
  CHECK(p.layers.back().output == Shape{1, 3, 256, 256});
  TensorMap sd = g->state_dict();
  for (const char* k : {"model.1.weight", "model.10.conv_block.1.conv.0.weight",
                        "model.10.conv_block.1.conv.2.bias", "model.18.conv_block.6.conv.0.bias",
                        "model.19.weight", "model.26.bias"})
    CHECK(sd.count(k) == 1);
  CHECK(sd.at("model.10.conv_block.1.conv.0.weight").shape() == Shape{64, 1, 3, 3});
  CHECK(sd.at("model.10.conv_block.1.conv.2.weight").shape() == Shape{64, 64, 1, 1});
}

TEST_CASE("DCGAN 64x64: G 3.58M params, 0.428G torchprofile / 0.105G true MACs", "[models]") {
  // G: ConvT weights 819,200 + 2,097,152 + 524,288 + 131,072 + 3,072 = 3,574,784, BN weights and
  // biases 2 * (512 + 256 + 128 + 64) = 1,920: 3,576,704. torchprofile MACs: ConvTs on the output
  // grid 16*512*100*16 + 3 * 134,217,728 + 4096*3*64*16 = 428,343,296, BNs 122,880:
  // 428,466,176. True: ConvTs on the input grid 819,200 + 3 * 33,554,432 + 3,145,728 =
  // 104,628,224, plus BNs: 104,751,104.
  nn::ModulePtr g = gan::make_model("dcgan_generator");
  Shape z = gan::profile_input("dcgan_generator", {}, 1, 256, 256);
  CHECK(z == Shape{1, 100, 1, 1});
  nn::Profile p = nn::profile(*g, z);
  CHECK(p.params == 3576704);
  CHECK(p.macs_torchprofile == 428466176.0);
  CHECK(p.macs_true == 104751104.0);
  CHECK(p.layers.back().output == Shape{1, 3, 64, 64});
  TensorMap sd = g->state_dict();
  for (const char* k : {"main.0.weight", "main.1.running_var", "main.3.weight", "main.12.weight"})
    CHECK(sd.count(k) == 1);
  CHECK(sd.size() == 5 + 4 * 5);  // no biases; BN: weight, bias and three buffers
  REQUIRE_THROWS_WITH((*g)(zeros({1, 3, 64, 64})), Contains("(N, 100, 1, 1)"));

  // D (ndf 64): conv weights 3,072 + 131,072 + 524,288 + 2,097,152 + 8,192, BNs 1,792:
  // 2,765,568. MACs (no transposed convs, so both conventions agree): convs 3,145,728 +
  // 3 * 33,554,432 + 8,192 = 103,817,216, BNs 57,344, LeakyReLUs 122,880: 103,997,440.
  nn::ModulePtr d = gan::make_model("dcgan_discriminator");
  nn::Profile pd = nn::profile(*d, gan::profile_input("dcgan_discriminator", {}, 1, 64, 64));
  CHECK(pd.params == 2765568);
  CHECK(pd.macs_torchprofile == 103997440.0);
  CHECK(pd.macs_true == pd.macs_torchprofile);
  CHECK(pd.layers.back().output == Shape{1, 1, 1, 1});
  CHECK(d->state_dict().count("main.11.weight") == 1);
}

TEST_CASE("DCGAN options: image_size 32 drops a stage, D norms keep the names", "[models]") {
  nn::ModulePtr g = gan::make_model("dcgan_generator", {{"ngf", "8"}, {"image_size", "32"}});
  nn::Profile p = nn::profile(*g, {2, 100, 1, 1});
  CHECK(p.layers.back().output == Shape{2, 3, 32, 32});
  CHECK(g->state_dict().at("main.0.weight").shape() == Shape{100, 32, 4, 4});
  for (const char* norm : {"batch", "group", "none"}) {
    nn::ModulePtr d = gan::make_model("dcgan_discriminator",
                                      {{"ndf", "8"}, {"image_size", "32"}, {"norm", norm}});
    nn::Profile pd = nn::profile(*d, {2, 3, 32, 32});
    CHECK(pd.layers.back().output == Shape{2, 1, 1, 1});
    CHECK(d->state_dict().count("main.8.weight") == 1);  // the final conv
  }
  // Group norm: 32 groups, or gcd(32, C) below that.
  CHECK(gan::dcgan_groups(512) == 32);
  CHECK(gan::dcgan_groups(16) == 16);
  CHECK(gan::dcgan_groups(48) == 16);
  REQUIRE_THROWS_WITH(gan::make_model("dcgan_generator", {{"image_size", "128"}}),
                      Contains("option image_size expects one of 32, 64, got 128"));
  REQUIRE_THROWS_WITH(gan::make_model("dcgan_discriminator", {{"norm", "instance"}}),
                      Contains("option norm expects one of batch, group, none, got 'instance'"));
}

TEST_CASE("state_dicts saved from PyTorch give PyTorch's outputs", "[models]") {
  check_against_pytorch("resnet_generator", {{"ngf", "4"}, {"n_blocks", "2"}}, "resnet_small");
  check_against_pytorch("patchgan", {{"ndf", "8"}}, "patchgan_small");
  check_against_pytorch("unet_generator", {{"num_downs", "5"}, {"ngf", "4"}}, "unet_small");
  check_against_pytorch("mobile_resnet_generator", {{"ngf", "4"}, {"n_blocks", "3"}},
                        "mobile_resnet_small");
  check_against_pytorch("dcgan_generator", {{"nz", "16"}, {"ngf", "8"}, {"image_size", "32"}},
                        "dcgan_g_small");
  check_against_pytorch("dcgan_discriminator", {{"ndf", "8"}}, "dcgan_d_small");
}

TEST_CASE("the registry rejects unknown models, options and values", "[models]") {
  REQUIRE_THROWS_WITH(gan::make_model("resnet"),
                      Contains("unknown model 'resnet'") && Contains("resnet_generator"));
  REQUIRE_THROWS_WITH(gan::make_model("resnet_generator", {{"ngff", "16"}}),
                      Contains("unknown option 'ngff'") && Contains("ngf"));
  REQUIRE_THROWS_WITH(gan::make_model("resnet_generator", {{"ngf", "many"}}),
                      Contains("ngf expects an integer"));
  REQUIRE_THROWS_WITH(gan::make_model("patchgan", {{"norm", "layer"}}),
                      Contains("option norm expects one of instance, batch, none, got 'layer'"));
}

TEST_CASE("profiling restores train mode and leaves no hooks behind", "[models]") {
  nn::ModulePtr d = gan::make_model("patchgan", {{"ndf", "8"}});
  nn::Profile a = nn::profile(*d, {1, 3, 64, 64});
  CHECK(d->is_training());
  nn::Profile b = nn::profile(*d, {1, 3, 64, 64});
  CHECK(b.layers.size() == a.layers.size());
}

TEST_CASE("docs/models.md holds the options table generated from the registry", "[models]") {
  std::ifstream in(std::string(GANLITE_TEST_DATA) + "/../../docs/models.md");
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  INFO("regenerate with: ganlite models (between the GENERATED markers in docs/models.md)");
  CHECK(ss.str().find(gan::model_options_markdown()) != std::string::npos);
  for (const auto& name : gan::model_names())
    CHECK(ss.str().find("### `" + name + "`") != std::string::npos);
}

TEST_CASE("VGG16 features: torchvision's names, 7.64M parameters to relu4_3, PyTorch's taps",
          "[models]") {
  nn::ModulePtr full = gan::make_model("vgg16_features");
  const nn::Profile p = nn::profile(*full, {1, 3, 64, 64});
  CHECK(p.params == 7635264);
  CHECK(p.layers.back().output == Shape{1, 512, 8, 8});
  const TensorMap sd = full->state_dict();
  CHECK(sd.size() == 20);  // 10 convolutions, weight and bias
  for (const char* k : {"features.0.weight", "features.2.bias", "features.5.weight",
                        "features.14.weight", "features.17.bias", "features.21.weight"})
    CHECK(sd.count(k) == 1);

  // A sixteenth of the width with random weights, against the same stack in PyTorch.
  nn::ModulePtr net = gan::make_model("vgg16_features", {{"width", "4"}});
  net->load_state_dict(test::load_reference("vgg16_w4"));
  TensorMap io = test::load_reference("vgg16_w4_io");
  NoGradGuard ng;
  const std::vector<Tensor> taps = dynamic_cast<gan::Vgg16Features&>(*net).taps(io["input"]);
  REQUIRE(taps.size() == 4);
  for (size_t i = 0; i < taps.size(); ++i) {
    const Tensor& want = io["tap" + std::to_string(i)];
    INFO("tap " << i << " " << taps[i].shape_str());
    REQUIRE(taps[i].shape() == want.shape());
    CHECK(max_abs_diff(taps[i], want) < 1e-5);
  }
  CHECK(max_abs_diff((*net)(io["input"]), taps[3]) == 0);  // forward is relu4_3
}
