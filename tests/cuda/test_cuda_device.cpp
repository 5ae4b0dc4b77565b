// The device layer: transfers, views across devices, the caching allocator, the seeded
// generator on the device, and errors that name what went wrong.
#include <catch2/catch.hpp>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "engine/random.h"
#include "kernels/cuda/device.h"

using namespace ganlite;

TEST_CASE("to(cuda) and back keeps values, dtype and shape; views copy what they show",
          "[cuda][device]") {
  Generator gen(3);
  for (DType dt : {DType::f32, DType::f64}) {
    Tensor x = randn({4, 5, 6}, gen, dt);
    Tensor y = x.cuda();
    CHECK(y.device() == Device::cuda);
    CHECK(y.dtype() == dt);
    CHECK(y.cpu().to_vector<double>() == x.to_vector<double>());
    // A non-contiguous view on the device, moved back, equals the same view on the host.
    Tensor vy = y.permute({2, 0, 1}).slice(1, 1, 3);
    Tensor vx = x.permute({2, 0, 1}).slice(1, 1, 3);
    CHECK(vy.cpu().to_vector<double>() == vx.to_vector<double>());
    CHECK(vy.contiguous().device() == Device::cuda);
  }
  Tensor idx = from_vector<int64_t>({3, 1, 2}, {3});
  CHECK(idx.cuda().cpu().to_vector<int64_t>() == idx.to_vector<int64_t>());
  CHECK(scalar(2.5, DType::f32, Device::cuda).item() == 2.5);
  CHECK(zeros({7}, DType::f32, Device::cuda).cpu().to_vector<float>() == std::vector<float>(7, 0));
}

TEST_CASE("copy_ and casts across devices and dtypes", "[cuda][device]") {
  Generator gen(4);
  Tensor src = randn({3, 8}, gen, DType::f64);
  Tensor dst = zeros({8, 3}, DType::f32, Device::cuda);
  {
    NoGradGuard ng;
    dst.transpose(0, 1).copy_(src);
  }
  CHECK(dst.cpu().to_vector<float>() ==
        src.transpose(0, 1).contiguous().to(DType::f32).to_vector<float>());
  Tensor d64 = dst.to(DType::f64);
  CHECK(d64.device() == Device::cuda);
  CHECK(d64.dtype() == DType::f64);
}

TEST_CASE("the gradient of to(cuda) returns to the CPU", "[cuda][device]") {
  Generator gen(5);
  Tensor x = randn({6}, gen).requires_grad_();
  Tensor y = x.cuda() * 3.0;
  sum(y).backward();
  REQUIRE(x.grad().defined());
  CHECK(x.grad().device() == Device::cpu);
  CHECK(x.grad().to_vector<float>() == std::vector<float>(6, 3.0f));
}

TEST_CASE("the generator draws the same numbers on both devices", "[cuda][device]") {
  Generator a(11), b(11);
  Tensor x = randn({1000}, a), y = randn({1000}, b, DType::f32, Device::cuda);
  CHECK(a.offset == b.offset);
  CHECK(x.to_vector<float>() == y.cpu().to_vector<float>());
  Tensor u = rand({257}, a, DType::f32, -2, 3), v = rand({257}, b, DType::f32, -2, 3, Device::cuda);
  CHECK(u.to_vector<float>() == v.cpu().to_vector<float>());
  Tensor i = randint(0, 10, {300}, a), j = randint(0, 10, {300}, b, Device::cuda);
  CHECK(i.to_vector<int64_t>() == j.cpu().to_vector<int64_t>());
  Tensor d = randn({100}, a, DType::f64), e = randn({100}, b, DType::f64, Device::cuda);
  std::vector<double> dv = d.to_vector<double>(), ev = e.cpu().to_vector<double>();
  for (size_t k = 0; k < dv.size(); ++k) CHECK(ev[k] == Approx(dv[k]).epsilon(1e-14));
}

TEST_CASE("the caching allocator reuses blocks: a repeated step calls cudaMalloc no more",
          "[cuda][device]") {
  Generator gen(6);
  Tensor w = randn({64, 64}, gen, DType::f32, Device::cuda).requires_grad_();
  auto step = [&] {
    Tensor x = randn({32, 64}, gen, DType::f32, Device::cuda);
    Tensor loss = sum(tanh(matmul(x, w) + 1.0));
    loss.backward();
    w.zero_grad();
  };
  step();
  cuda::synchronize();
  int64_t before = cuda::memory_stats().mallocs;
  for (int i = 0; i < 3; ++i) step();
  cuda::synchronize();
  cuda::MemoryStats s = cuda::memory_stats();
  CHECK(s.mallocs == before);
  CHECK(s.peak >= s.in_use);
  CHECK(s.in_use > 0);  // w is alive
}

TEST_CASE("mixing devices is refused with both devices named", "[cuda][device]") {
  Tensor a = ones({3}), b = ones({3}, DType::f32, Device::cuda);
  CHECK_THROWS_WITH(add(a, b), Catch::Contains("cpu") && Catch::Contains("cuda"));
}
