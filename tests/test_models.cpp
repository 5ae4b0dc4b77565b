// Architectures: parameter names, counts and MACs of the published models, and outputs equal to
// PyTorch's for state_dicts saved from PyTorch (tests/make_model_refs.py).
#include <catch2/catch.hpp>

#include "engine/autograd.h"
#include "engine/safetensors.h"
#include "gan/registry.h"
#include "nn/profile.h"

using namespace ganlite;
using Catch::Matchers::Contains;

namespace {

double max_abs_diff(const Tensor& a, const Tensor& b) {
  REQUIRE(a.shape() == b.shape());
  std::vector<float> x = a.to_vector<float>(), y = b.to_vector<float>();
  double d = 0;
  for (size_t i = 0; i < x.size(); ++i) d = std::max(d, double(std::abs(x[i] - y[i])));
  return d;
}

void check_against_pytorch(const std::string& model, const gan::Options& opts,
                           const std::string& ref) {
  std::string dir = GANLITE_TEST_DATA;
  nn::ModulePtr net = gan::make_model(model, opts);
  net->load_state_dict(load_safetensors(dir + "/" + ref + ".safetensors").tensors);
  net->eval();
  Safetensors io = load_safetensors(dir + "/" + ref + "_io.safetensors");
  NoGradGuard ng;
  double d = max_abs_diff((*net)(io.tensors["input"]), io.tensors["output"]);
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

TEST_CASE("state_dicts saved from PyTorch give PyTorch's outputs", "[models]") {
  check_against_pytorch("resnet_generator", {{"ngf", "4"}, {"n_blocks", "2"}}, "resnet_small");
  check_against_pytorch("patchgan", {{"ndf", "8"}}, "patchgan_small");
}

TEST_CASE("the registry rejects unknown models, options and values", "[models]") {
  REQUIRE_THROWS_WITH(gan::make_model("resnet"),
                      Contains("unknown model 'resnet'") && Contains("resnet_generator"));
  REQUIRE_THROWS_WITH(gan::make_model("resnet_generator", {{"ngff", "16"}}),
                      Contains("unknown option 'ngff'") && Contains("ngf"));
  REQUIRE_THROWS_WITH(gan::make_model("resnet_generator", {{"ngf", "many"}}),
                      Contains("ngf expects an integer"));
  REQUIRE_THROWS_WITH(gan::make_model("patchgan", {{"norm", "layer"}}), Contains("unknown norm"));
}

TEST_CASE("profiling restores train mode and leaves no hooks behind", "[models]") {
  nn::ModulePtr d = gan::make_model("patchgan", {{"ndf", "8"}});
  nn::Profile a = nn::profile(*d, {1, 3, 64, 64});
  CHECK(d->is_training());
  nn::Profile b = nn::profile(*d, {1, 3, 64, 64});
  CHECK(b.layers.size() == a.layers.size());
}
