// The gathered GEMM operands of the CUDA implicit-GEMM versions (kernels/cuda/conv/operands.cuh),
// compiled as plain C++: C = A @ B summed naively through a_row/a_red/a(...) and
// b_red/b_col/b(...) and written through store() must equal the CPU convolution, for each pass,
// on shapes with stride, padding, dilation and non-square filters and images. This checks on
// every machine the index arithmetic that the GPU kernels run; the tiling around it needs a GPU
// (test_cuda [conv]).
#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <vector>

#include "kernels/cpu/conv.h"
#include "kernels/cuda/conv/operands.cuh"

using namespace ganlite;
using cuda::conv::DgradOperands;
using cuda::conv::FpropOperands;
using cuda::conv::WgradOperands;

namespace {

struct Case {
  int64_t n, c, h, w, k, r, s, stride_h, stride_w, pad_h, pad_w, dil_h, dil_w;
};

cpu::ConvShape shape_of(const Case& t) {
  cpu::ConvShape cs;
  cs.n = t.n, cs.c = t.c, cs.h = t.h, cs.w = t.w, cs.k = t.k, cs.r = t.r, cs.s = t.s;
  cs.stride_h = t.stride_h, cs.stride_w = t.stride_w, cs.pad_h = t.pad_h, cs.pad_w = t.pad_w;
  cs.dil_h = t.dil_h, cs.dil_w = t.dil_w;
  cs.p = (t.h + 2 * t.pad_h - t.dil_h * (t.r - 1) - 1) / t.stride_h + 1;
  cs.q = (t.w + 2 * t.pad_w - t.dil_w * (t.s - 1) - 1) / t.stride_w + 1;
  return cs;
}

std::vector<float> random_vector(size_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<float> v(n);
  for (float& e : v) e = u(rng);
  return v;
}

// The product the kernels tile, summed in the plain order, each element stored by the pass.
template <class Ops>
void naive_product(const Ops& ops) {
  for (int m = 0; m < ops.m(); ++m) {
    const auto row = ops.a_row(m);
    for (int j = 0; j < ops.n(); ++j) {
      const auto col = ops.b_col(j);
      double sum = 0;
      for (int kc = 0; kc < ops.kd(); ++kc)
        sum += double(ops.a(row, ops.a_red(kc))) * ops.b(ops.b_red(kc), col);
      ops.store(m, j, static_cast<float>(sum));
    }
  }
}

// Rows and columns past the product read as zero, whatever the reduction index.
template <class Ops>
void check_outside_reads_zero(const Ops& ops) {
  const auto row = ops.a_row(ops.m()), col = ops.b_col(ops.n());
  for (int kc = 0; kc < ops.kd(); ++kc) {
    CHECK(ops.a(row, ops.a_red(kc)) == 0.f);
    CHECK(ops.b(ops.b_red(kc), col) == 0.f);
  }
}

void check_close(const std::vector<float>& got, const std::vector<float>& want) {
  REQUIRE(got.size() == want.size());
  int64_t bad = 0;
  for (size_t i = 0; i < got.size(); ++i)
    bad += std::abs(got[i] - want[i]) > 1e-5f + 1e-4f * std::abs(want[i]);
  CHECK(bad == 0);
}

}  // namespace

TEST_CASE("the CUDA implicit-GEMM operands compute the CPU convolution", "[conv][cuda_operands]") {
  const Case cases[] = {
      {2, 3, 7, 6, 5, 3, 3, 1, 1, 1, 1, 1, 1},    // same-size 3x3
      {2, 4, 9, 8, 3, 3, 3, 2, 2, 1, 1, 1, 1},    // stride 2: dgrad skips taps
      {1, 3, 11, 9, 4, 3, 2, 2, 1, 2, 0, 2, 1},   // dilation, R != S, mixed strides and pads
      {2, 2, 8, 8, 6, 4, 4, 2, 2, 1, 1, 1, 1},    // PatchGAN-style 4x4 stride 2
      {1, 3, 10, 10, 2, 7, 7, 1, 1, 0, 0, 1, 1},  // 7x7 stem without padding
  };
  std::mt19937 rng(7);
  for (const Case& t : cases) {
    const cpu::ConvShape cs = shape_of(t);
    INFO("C=" << cs.c << " K=" << cs.k << " " << cs.h << "x" << cs.w << " R=" << cs.r
              << " S=" << cs.s << " stride " << cs.stride_h << "," << cs.stride_w << " pad "
              << cs.pad_h << "," << cs.pad_w << " dil " << cs.dil_h << "," << cs.dil_w);
    REQUIRE(cuda::conv::fits32(cs));
    const cuda::conv::Dims d = cuda::conv::dims_of(cs);
    const size_t nx = cs.n * cs.c * cs.h * cs.w, ny = cs.n * cs.k * cs.p * cs.q;
    const size_t nw = cs.k * cs.c * cs.r * cs.s;
    const std::vector<float> x = random_vector(nx, rng), w = random_vector(nw, rng);
    const std::vector<float> dy = random_vector(ny, rng), bias = random_vector(cs.k, rng);

    std::vector<float> y(ny), want_y(ny);
    cuda::ConvEpilogue ep;
    ep.bias = bias.data();
    const FpropOperands fprop{d, x.data(), w.data(), ep, y.data()};
    naive_product(fprop);
    check_outside_reads_zero(fprop);
    cpu::conv_fprop<float>(cs, x.data(), w.data(), bias.data(), want_y.data());
    check_close(y, want_y);

    std::vector<float> dx(nx), want_dx(nx);
    const DgradOperands dgrad{d, dy.data(), w.data(), dx.data()};
    naive_product(dgrad);
    check_outside_reads_zero(dgrad);
    cpu::conv_dgrad<float>(cs, dy.data(), w.data(), want_dx.data());
    check_close(dx, want_dx);

    std::vector<float> dw(nw), want_dw(nw);
    const WgradOperands wgrad{d, x.data(), dy.data(), dw.data()};
    naive_product(wgrad);
    check_outside_reads_zero(wgrad);
    cpu::conv_wgrad<float>(cs, x.data(), dy.data(), want_dw.data());
    check_close(dw, want_dw);
  }
}

TEST_CASE("the fused epilogue scales after the bias and then activates", "[conv][cuda_operands]") {
  const float bias[] = {0.5f, -2.f}, scale[] = {2.f, 0.25f};
  cuda::ConvEpilogue ep;
  ep.bias = bias, ep.scale = scale;
  CHECK(cuda::conv::epilogue_at(ep, 0, 1.f) == 3.f);     // 2 * (1 + 0.5)
  CHECK(cuda::conv::epilogue_at(ep, 1, 1.f) == -0.25f);  // 0.25 * (1 - 2)
  ep.act = cuda::ConvAct::relu;
  CHECK(cuda::conv::epilogue_at(ep, 1, 1.f) == 0.f);
  ep.act = cuda::ConvAct::leaky_relu;
  CHECK(cuda::conv::epilogue_at(ep, 1, 1.f) == Approx(-0.05f));
  ep.bias = ep.scale = nullptr;
  CHECK(cuda::conv::epilogue_at(ep, 0, 3.f) == 3.f);
}
