// Whole models on the GPU: each example architecture (small widths) runs forward and backward
// on CUDA from the CPU model's weights, and the output and every parameter gradient match the
// CPU's. Compared by norms: a deep net sums in another order on each device, so single near-zero
// elements are not a fair test. A conv bias followed by a norm layer has a true gradient of zero
// that both devices compute as rounding noise; those are held to the scale of the whole model's
// gradient instead of their own.
#include <catch2/catch.hpp>
#include <cmath>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "engine/random.h"
#include "gan/registry.h"
#include "gan/stylegan2.h"
#include "nn/cond_bn.h"

using namespace ganlite;

namespace {

double norm(const Tensor& a) {
  double s = 0;
  for (double v : a.to_vector<double>()) s += v * v;
  return std::sqrt(s);
}

double diff_norm(const Tensor& a, const Tensor& b) {
  return norm(a.to(Device::cpu) - b.to(Device::cpu));
}

struct ModelCase {
  std::string name;
  gan::Options options;
  int64_t size;
  bool labels = false;
};

}  // namespace

TEST_CASE("example architectures give the CPU's output and gradients on CUDA", "[cuda][models]") {
  const std::vector<ModelCase> cases = {
      {"dcgan_generator",
       {{"nz", "16"}, {"ngf", "8"}, {"output_nc", "1"}, {"image_size", "32"}},
       32},
      {"dcgan_discriminator", {{"input_nc", "1"}, {"ndf", "8"}, {"image_size", "32"}}, 32},
      {"resnet_generator",
       {{"input_nc", "1"},
        {"output_nc", "1"},
        {"ngf", "8"},
        {"n_blocks", "2"},
        {"norm", "instance"}},
       32},
      {"patchgan", {{"input_nc", "1"}, {"ndf", "8"}, {"n_layers", "2"}, {"norm", "instance"}}, 32},
      {"unet_generator",
       {{"input_nc", "1"}, {"output_nc", "1"}, {"num_downs", "5"}, {"ngf", "8"}, {"norm", "batch"}},
       32},
      {"sngan_generator",
       {{"z_dim", "16"}, {"ch", "16"}, {"output_nc", "1"}, {"num_classes", "10"}},
       32,
       true},
      {"sngan_discriminator", {{"input_nc", "1"}, {"ndf", "16"}, {"num_classes", "10"}}, 32, true},
      {"stylegan2_generator",
       {{"resolution", "32"},
        {"img_channels", "1"},
        {"z_dim", "32"},
        {"w_dim", "32"},
        {"n_mlp", "2"}},
       32},
      {"stylegan2_discriminator", {{"resolution", "32"}, {"img_channels", "1"}}, 32},
  };
  for (const ModelCase& mc : cases) {
    INFO("model " << mc.name);
    manual_seed(5);
    nn::ModulePtr cpu_net = gan::make_model(mc.name, mc.options);
    manual_seed(5);
    nn::ModulePtr gpu_net = gan::make_model(mc.name, mc.options);
    gpu_net->to(Device::cuda);
    // StyleGAN2 draws fresh per-layer noise at each forward: fix the same noise for both.
    if (auto* sg = dynamic_cast<gan::StyleGan2Generator*>(cpu_net.get())) {
      Generator noise_a(21), noise_b(21);
      sg->set_fixed_noise(noise_a);
      dynamic_cast<gan::StyleGan2Generator&>(*gpu_net).set_fixed_noise(noise_b);
    }
    Generator gen(9);
    Tensor x = randn(gan::profile_input(mc.name, mc.options, 2, mc.size, mc.size), gen);
    if (mc.labels) {
      Tensor y = from_vector<int64_t>({3, 7}, {2});
      nn::set_labels(*cpu_net, y);
      nn::set_labels(*gpu_net, y.cuda());
    }
    Tensor a = (*cpu_net)(x), b = (*gpu_net)(x.cuda());
    REQUIRE(b.device() == Device::cuda);
    CHECK(diff_norm(a, b) <= 1e-4 * norm(a));
    Tensor r = randn(a.shape(), gen);
    sum(a * r).backward();
    sum(b * r.cuda()).backward();
    auto pa = cpu_net->named_parameters(), pb = gpu_net->named_parameters();
    REQUIRE(pa.size() == pb.size());
    double total = 0;
    for (auto& [name, p] : pa)
      if (p.grad().defined()) total += std::pow(norm(p.grad()), 2);
    total = std::sqrt(total);
    for (size_t i = 0; i < pa.size(); ++i) {
      Tensor ga = pa[i].second.grad(), gb = pb[i].second.grad();
      REQUIRE(ga.defined() == gb.defined());
      if (!ga.defined()) continue;
      double d = diff_norm(ga, gb), own = norm(ga);
      INFO("parameter " << pa[i].first << ": |cuda - cpu| " << d << ", |cpu| " << own
                        << ", whole-model gradient norm " << total);
      CHECK(d <= 1e-3 * own + 1e-6 * total);
    }
  }
}
