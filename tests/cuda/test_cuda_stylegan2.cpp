// StyleGAN2's building blocks on CUDA against an f64 CPU copy, one block at a time, so a
// discrepancy in the whole generator (test_cuda_models.cpp) points at the block that makes it.
#include <catch2/catch.hpp>
#include <cmath>
#include <functional>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "engine/random.h"
#include "gan/models/stylegan2.h"
#include "parity.h"

using namespace ganlite;
using namespace ganlite::test;

namespace {

// Runs fn on (f32 cpu, f32 cuda, f64 cpu) copies of the inputs; the CUDA output and input
// gradients must be about as close to the f64 result as the CPU's f32 ones.
void compare(const char* what, const std::vector<Tensor>& inputs,
             const std::function<Tensor(const std::vector<Tensor>&)>& fn) {
  INFO(what);
  std::vector<Tensor> leaves[3];
  Tensor out[3];
  Generator gen(3);
  Tensor r;
  for (int i = 0; i < 3; ++i) {
    Device dev = i == 1 ? Device::cuda : Device::cpu;
    DType dt = i == 2 ? DType::f64 : DType::f32;
    for (const Tensor& x : inputs) leaves[i].push_back(x.to(dt).to(dev).detach().requires_grad_());
    out[i] = fn(leaves[i]);
    if (i == 0) r = randn(out[0].shape(), gen);
    sum(out[i] * r.to(dt).to(dev)).backward();
  }
  double ec = dist(out[0], out[2]), eg = dist(out[1], out[2]);
  INFO("output: cpu32 " << ec << ", cuda " << eg << ", |f64| " << norm_of(out[2]));
  CHECK(eg <= 4 * ec + 1e-6 * norm_of(out[2]));
  for (size_t k = 0; k < inputs.size(); ++k) {
    Tensor g = leaves[2][k].grad();
    double gc = dist(leaves[0][k].grad(), g), gg = dist(leaves[1][k].grad(), g);
    INFO("input " << k << " gradient: cpu32 " << gc << ", cuda " << gg << ", |f64| " << norm_of(g));
    CHECK(gg <= 4 * gc + 1e-6 * norm_of(g));
  }
}

}  // namespace

TEST_CASE("StyleGAN2 blocks give the f64 result on CUDA as closely as on the CPU",
          "[cuda][stylegan2]") {
  Generator gen(1);
  const int64_t n = 2, c = 8, k = 6, hw = 8;
  Tensor x = randn({n, c, hw, hw}, gen), wt = randn({k, c, 3, 3}, gen), s = randn({n, c}, gen);
  compare("upsample_bilinear2d", {x},
          [](const std::vector<Tensor>& v) { return upsample_bilinear2d(v[0], 2); });
  compare(
      "grouped conv, batch as groups", {x, randn({n * k, c, 3, 3}, gen)},
      [&](const std::vector<Tensor>& v) {
        return conv2d(v[0].reshape({1, n * c, hw, hw}), v[1], Tensor(), {1, 1}, {1, 1}, {1, 1}, n);
      });
  compare("modulate and demodulate", {wt, s}, [&](const std::vector<Tensor>& v) {
    Tensor wm = v[0].reshape({1, k, c, 3, 3}) * v[1].reshape({n, 1, c, 1, 1});
    return wm / sqrt(sum(wm * wm, {2, 3, 4}, true) + 1e-8);
  });
  compare("leaky relu with gain", {x},
          [](const std::vector<Tensor>& v) { return leaky_relu(v[0], 0.2) * std::sqrt(2.0); });
  for (bool demod : {true, false})
    for (bool up : {false, true}) {
      manual_seed(4);
      auto cpu32 = std::make_shared<gan::ModulatedConv2d>(c, k, 3, 16, demod, up);
      manual_seed(4);
      auto gpu = std::make_shared<gan::ModulatedConv2d>(c, k, 3, 16, demod, up);
      gpu->to(Device::cuda);
      manual_seed(4);
      auto f64 = std::make_shared<gan::ModulatedConv2d>(c, k, 3, 16, demod, up);
      f64->to(DType::f64);
      Tensor w = randn({n, 16}, gen);
      int call = 0;
      compare(demod ? (up ? "ModulatedConv2d demod up" : "ModulatedConv2d demod")
                    : (up ? "ModulatedConv2d up" : "ModulatedConv2d"),
              {x, w}, [&](const std::vector<Tensor>& v) {
                gan::ModulatedConv2d& m = call == 0 ? *cpu32 : (call == 1 ? *gpu : *f64);
                ++call;
                return m.forward(v[0], v[1]);
              });
    }
  // The generator's first block at full width: 512 channels at 4x4, batch 2.
  const int64_t cw = 512;
  Tensor xw = randn({1, cw, 4, 4}, gen), ww = randn({n, 32}, gen);
  compare("constant input expanded over the batch", {xw}, [&](const std::vector<Tensor>& v) {
    return v[0].expand({n, -1, -1, -1}) * 1.5;
  });
  compare("channel bias over (2, 512, 4, 4)", {randn({n, cw, 4, 4}, gen), randn({cw}, gen)},
          [](const std::vector<Tensor>& v) {
            return v[0] + v[1].reshape({1, -1, 1, 1});
          });
  std::shared_ptr<gan::StyledConv> sc[3];
  for (int i = 0; i < 3; ++i) {
    manual_seed(8);
    sc[i] = std::make_shared<gan::StyledConv>(cw, cw, 32, false);
    sc[i]->fixed_noise = randn({1, 1, 4, 4}, gen);
    if (i > 0) sc[i]->fixed_noise = sc[0]->fixed_noise;
  }
  sc[1]->to(Device::cuda);
  sc[2]->to(DType::f64);
  int call = 0;
  compare("StyledConv 512 -> 512 at 4x4", {xw.expand({n, -1, -1, -1}).contiguous(), ww},
          [&](const std::vector<Tensor>& v) { return sc[call++]->forward(v[0], v[1]); });
}
