// Whole models on the GPU: each example architecture (small widths) runs forward and backward
// on CUDA and on the CPU in f32 from the same weights, and both are measured against the same
// model in f64 on the CPU. The CUDA result must be about as close to the f64 truth as the CPU's
// f32 result is: deep nets sum in another order on each device, so elementwise equality is not
// the test, distance to the truth is. Norms, not elements: a conv bias followed by a norm layer
// has a true gradient of zero that every run computes as rounding noise.
#include <catch2/catch.hpp>
#include <cmath>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "engine/random.h"
#include "gan/models/registry.h"
#include "gan/models/stylegan2.h"
#include "nn/cond_bn.h"
#include "parity.h"

using namespace ganlite;
using namespace ganlite::test;

namespace {

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
    auto build = [&] {
      manual_seed(5);
      return gan::make_model(mc.name, mc.options);
    };
    nn::ModulePtr nets[3] = {build(), build(), build()};  // f32 cpu, f32 cuda, f64 cpu (truth)
    nets[1]->to(Device::cuda);
    nets[2]->to(DType::f64);
    Generator gen(9);
    Tensor x = randn(gan::profile_input(mc.name, mc.options, 2, mc.size, mc.size), gen);
    Tensor r = randn({1}, gen);  // replaced below once the output shape is known
    Tensor out[3];
    for (int i = 0; i < 3; ++i) {
      Device dev = i == 1 ? Device::cuda : Device::cpu;
      DType dt = i == 2 ? DType::f64 : DType::f32;
      // StyleGAN2 draws fresh per-layer noise at each forward: fix the same noise for all three.
      if (auto* sg = dynamic_cast<gan::StyleGan2Generator*>(nets[i].get())) {
        Generator noise(21);
        sg->set_fixed_noise(noise);
      }
      if (mc.labels) nn::set_labels(*nets[i], from_vector<int64_t>({3, 7}, {2}).to(dev));
      out[i] = (*nets[i])(x.to(dt).to(dev));
      if (i == 0) r = randn(out[0].shape(), gen);
      sum(out[i] * r.to(dt).to(dev)).backward();
    }
    REQUIRE(out[1].device() == Device::cuda);
    double e_cpu = dist(out[0], out[2]), e_gpu = dist(out[1], out[2]);
    INFO("output: |cpu32 - f64| " << e_cpu << ", |cuda - f64| " << e_gpu << ", |f64| "
                                  << norm_of(out[2]));
    CHECK(e_gpu <= 4 * e_cpu + 1e-5 * norm_of(out[2]));
    auto p32 = nets[0]->named_parameters(), pgpu = nets[1]->named_parameters(),
         p64 = nets[2]->named_parameters();
    REQUIRE(p32.size() == pgpu.size());
    double total = 0;
    for (auto& [name, p] : p64)
      if (p.grad().defined()) total += std::pow(norm_of(p.grad()), 2);
    total = std::sqrt(total);
    for (size_t i = 0; i < p64.size(); ++i) {
      Tensor truth = p64[i].second.grad();
      REQUIRE(truth.defined() == pgpu[i].second.grad().defined());
      if (!truth.defined()) continue;
      double ec = dist(p32[i].second.grad(), truth);
      double eg = dist(pgpu[i].second.grad(), truth);
      INFO("parameter " << p64[i].first << ": |cpu32 - f64| " << ec << ", |cuda - f64| " << eg
                        << ", |f64| " << norm_of(truth) << ", whole-model gradient norm " << total);
      CHECK(eg <= 4 * ec + 1e-4 * norm_of(truth) + 1e-6 * total);
    }
  }
}
