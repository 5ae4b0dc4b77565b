// The nn layer on the device: Module::to moves state in place and back exactly, state_dict and
// load_state_dict across devices, the fused optimizer kernels against the CPU ones, and a few
// Adam steps of a small model on both devices from the same start.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "engine/random.h"
#include "kernels/cpu/optim.h"
#include "kernels/cuda/device.h"
#include "kernels/cuda/optim.h"
#include "nn/layers.h"
#include "nn/optim.h"
#include "nn/spectral_norm.h"

using namespace ganlite;

namespace {

// A stack with parameters, BatchNorm running statistics (an i64 counter among them) and spectral
// norm's u/v buffers, so that every kind of state a layer keeps is moved.
std::shared_ptr<nn::Sequential> state_zoo() {
  return std::make_shared<nn::Sequential>(std::vector<nn::ModulePtr>{
      std::make_shared<nn::Conv2d>(3, 4, nn::Pair{3, 3}), std::make_shared<nn::BatchNorm2d>(4),
      std::make_shared<nn::SNLinear>(6, 5)});
}

std::shared_ptr<nn::Sequential> mlp() {
  return std::make_shared<nn::Sequential>(
      std::vector<nn::ModulePtr>{std::make_shared<nn::Linear>(8, 16), std::make_shared<nn::Tanh>(),
                                 std::make_shared<nn::Linear>(16, 4)});
}

// y = tanh(w * x + b) elementwise, with w, b of x's shape: a model whose forward and backward
// need only elementwise kernels.
struct Gate : nn::Module {
  Tensor w, b;
  explicit Gate(int64_t n) {
    Generator gen(8);
    w = register_parameter("w", randn({n}, gen));
    b = register_parameter("b", randn({n}, gen) * 0.1);
  }
  Tensor forward(const Tensor& x) override { return tanh(w * x + b); }
  std::string type_name() const override { return "Gate"; }
};

// max |a - b| / max(1, max |b|) over two tensors of the same shape, on the host.
double rel_diff(const Tensor& a, const Tensor& b) {
  std::vector<double> x = a.to_vector<double>(), y = b.to_vector<double>();
  REQUIRE(x.size() == y.size());
  double diff = 0, scale = 1;
  for (size_t i = 0; i < x.size(); ++i) {
    diff = std::max(diff, std::abs(x[i] - y[i]));
    scale = std::max(scale, std::abs(y[i]));
  }
  return diff / scale;
}

}  // namespace

TEST_CASE("Module::to(cuda) moves every parameter and buffer in place, to(cpu) brings them back",
          "[cuda][nn]") {
  manual_seed(1);
  auto net = state_zoo();
  TensorMap before;
  for (auto& [k, t] : net->state_dict()) before[k] = t.clone();
  auto* sn = dynamic_cast<nn::SNLinear*>(net->submodule("2"));
  REQUIRE(sn);

  net->to(Device::cuda);
  for (auto& [k, t] : net->state_dict()) {
    INFO(k);
    CHECK(t.device() == Device::cuda);
  }
  for (auto& [k, p] : net->named_parameters()) {
    INFO(k);
    CHECK(p.is_leaf());
    CHECK(p.requires_grad());
  }
  // The handles the layers keep follow (spectral norm normalises through its own copies).
  CHECK(sn->sn.weight_orig.device() == Device::cuda);
  CHECK(sn->sn.u.device() == Device::cuda);
  CHECK(sn->bias.device() == Device::cuda);

  net->to(Device::cpu);
  TensorMap after = net->state_dict();
  REQUIRE(after.size() == before.size());
  for (auto& [k, t] : before) {
    INFO(k);
    CHECK(after.at(k).device() == Device::cpu);
    CHECK(after.at(k).dtype() == t.dtype());
    CHECK(after.at(k).shape() == t.shape());
    CHECK(after.at(k).to_vector<double>() == t.to_vector<double>());
  }
}

TEST_CASE("load_state_dict and save_safetensors across devices", "[cuda][nn]") {
  manual_seed(2);
  auto cpu_net = state_zoo();
  manual_seed(3);
  auto gpu_net = state_zoo();
  gpu_net->to(Device::cuda);
  gpu_net->load_state_dict(cpu_net->state_dict());  // host values into device tensors
  for (auto& [k, t] : gpu_net->state_dict()) {
    INFO(k);
    CHECK(t.device() == Device::cuda);
    CHECK(t.to_vector<double>() == cpu_net->state_dict().at(k).to_vector<double>());
  }
  std::string path = "test_cuda_nn_state.safetensors";
  save_safetensors(path, gpu_net->state_dict());
  manual_seed(4);
  auto reloaded = state_zoo();
  reloaded->load_state_dict(load_safetensors(path).tensors);
  std::remove(path.c_str());
  for (auto& [k, t] : reloaded->state_dict()) {
    INFO(k);
    CHECK(t.to_vector<double>() == cpu_net->state_dict().at(k).to_vector<double>());
  }
}

TEST_CASE("fused Adam, SGD and EMA kernels agree with the CPU kernels", "[cuda][nn]") {
  const int64_t n = 100003;  // odd: no length assumption in the kernels
  Generator gen(5);
  cpu::AdamParams a;
  a.lr = 1e-3, a.beta1 = 0.9, a.beta2 = 0.99, a.eps = 1e-8, a.weight_decay = 0.01, a.step = 7;
  for (DType dt : {DType::f32, DType::f64}) {
    Tensor p = randn({n}, gen, dt), g = randn({n}, gen, dt), m = randn({n}, gen, dt) * 0.1;
    Tensor v = randn({n}, gen, dt) * randn({n}, gen, dt) * 0.01;
    v = v * v;  // second moments are non-negative
    Tensor pc = p.cuda(), gc = g.cuda(), mc = m.cuda(), vc = v.cuda();
    dispatch_float(dt, "test", [&](auto tag) {
      using T = decltype(tag);
      cpu::adam<T>(a, p.data<T>(), g.data<T>(), m.data<T>(), v.data<T>(), n);
      cuda::adam<T>(a, pc.data<T>(), gc.data<T>(), mc.data<T>(), vc.data<T>(), n);
    });
    CHECK(rel_diff(pc, p) <= 1e-6);
    CHECK(rel_diff(mc, m) <= 1e-6);
    CHECK(rel_diff(vc, v) <= 1e-6);

    dispatch_float(dt, "test", [&](auto tag) {
      using T = decltype(tag);
      cpu::sgd<T>({0.1, 0.9}, p.data<T>(), g.data<T>(), m.data<T>(), n);
      cuda::sgd<T>({0.1, 0.9}, pc.data<T>(), gc.data<T>(), mc.data<T>(), n);
      cpu::ema<T>(0.999, v.data<T>(), p.data<T>(), n);
      cuda::ema<T>(0.999, vc.data<T>(), pc.data<T>(), n);
    });
    CHECK(rel_diff(pc, p) <= 1e-6);
    CHECK(rel_diff(mc, m) <= 1e-6);
    CHECK(rel_diff(vc, v) <= 1e-6);
  }
}

TEST_CASE("Adam and SGD steps of an elementwise model match across devices and stop allocating",
          "[cuda][nn]") {
  const int64_t n = 4099;
  Gate cpu_net(n), gpu_net(n);
  gpu_net.to(Device::cuda);
  CHECK(gpu_net.w.device() == Device::cuda);
  Generator gen(9);
  Tensor x = randn({n}, gen), dy = randn({n}, gen);
  Tensor xc = x.cuda(), dyc = dy.cuda();
  nn::Adam cpu_adam({cpu_net.w}, 1e-2, 0.5, 0.999, 1e-8, 1e-3);
  nn::Adam gpu_adam({gpu_net.w}, 1e-2, 0.5, 0.999, 1e-8, 1e-3);
  nn::SGD cpu_sgd({cpu_net.b}, 1e-2, 0.9), gpu_sgd({gpu_net.b}, 1e-2, 0.9);
  int64_t mallocs_after_first = 0;
  for (int step = 0; step < 3; ++step) {
    for (auto* net : {&cpu_net, &gpu_net}) net->zero_grad();
    cpu_net(x).backward(dy);
    gpu_net(xc).backward(dyc);
    cpu_adam.step(), cpu_sgd.step();
    gpu_adam.step(), gpu_sgd.step();
    if (step == 0) mallocs_after_first = cuda::memory_stats().mallocs;
  }
  CHECK(cuda::memory_stats().mallocs == mallocs_after_first);
  CHECK(rel_diff(gpu_net.w, cpu_net.w) <= 1e-5);
  CHECK(rel_diff(gpu_net.b, cpu_net.b) <= 1e-5);
}

TEST_CASE("three Adam steps of a small MLP match on CPU and CUDA; later steps allocate nothing",
          "[cuda][nn][gemm]") {
  manual_seed(6);
  auto cpu_net = mlp();
  auto gpu_net = mlp();
  gpu_net->load_state_dict(cpu_net->state_dict());
  gpu_net->to(Device::cuda);
  Generator gen(7);
  Tensor x = randn({32, 8}, gen), y = randn({32, 4}, gen);
  Tensor xc = x.cuda(), yc = y.cuda();
  nn::Adam cpu_opt(cpu_net->parameters(), 1e-3, 0.5, 0.999, 1e-8, 1e-4);
  nn::Adam gpu_opt(gpu_net->parameters(), 1e-3, 0.5, 0.999, 1e-8, 1e-4);
  int64_t mallocs_after_first = 0;
  for (int step = 0; step < 3; ++step) {
    cpu_opt.zero_grad();
    mse_loss((*cpu_net)(x), y).backward();
    cpu_opt.step();
    gpu_opt.zero_grad();
    mse_loss((*gpu_net)(xc), yc).backward();
    gpu_opt.step();
    if (step == 0) {
      cuda::synchronize();
      mallocs_after_first = cuda::memory_stats().mallocs;
    }
  }
  cuda::synchronize();
  CHECK(cuda::memory_stats().mallocs == mallocs_after_first);
  auto cpu_params = cpu_net->named_parameters();
  auto gpu_params = gpu_net->named_parameters();
  REQUIRE(cpu_params.size() == gpu_params.size());
  for (size_t i = 0; i < cpu_params.size(); ++i) {
    INFO(cpu_params[i].first);
    CHECK(gpu_params[i].second.device() == Device::cuda);
    CHECK(rel_diff(gpu_params[i].second, cpu_params[i].second) <= 1e-5);
  }
  // The optimizer state is on the device too and comes back through state_dict.
  for (auto& [k, t] : gpu_opt.state_dict()) {
    if (k == "step") continue;
    INFO(k);
    CHECK(t.device() == Device::cuda);
    CHECK(rel_diff(t, cpu_opt.state_dict().at(k)) <= 1e-5);
  }
}

TEST_CASE("an optimizer built before Module::to names the device mismatch", "[cuda][nn]") {
  Gate net(5);
  nn::Adam opt(net.parameters());
  net.to(Device::cuda);
  net(randn({5}, default_generator(), DType::f32, Device::cuda))
      .backward(ones({5}, DType::f32, Device::cuda));
  CHECK_THROWS_WITH(opt.step(), Catch::Contains("build the optimizer after moving the model"));
}
