// The float32 conv2d forward fast path (kernels/cpu/conv_avx2.h: our AVX2/FMA micro-kernel with
// im2col fused into packing) against the OpenBLAS im2col + GEMM path, selected per call with
// GANLITE_CONV_CPU=avx2 / blas (the fast path is the default, see kernels/cpu/conv.h). Shapes cover
// the edge tiles: output channels not a multiple of 6, pixel counts not a multiple of 16, panels
// wrapping across output rows, stride, padding, dilation, 1x1, a 7x7 stem, bias or none, batches.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "engine/random.h"
#include "kernels/cpu/conv_avx2.h"
#include "kernels/cpu/conv_narrow.h"

using namespace ganlite;

namespace {

struct Case {
  int64_t n, c, h, w, k, r, s, stride, pad, dil;
  bool bias;
};

std::string name(const Case& t) {
  char buf[160];
  std::snprintf(buf, sizeof buf,
                "x %ldx%ldx%ldx%ld, w %ldx%ldx%ldx%ld, stride %ld, pad %ld, dil %ld, bias %d",
                long(t.n), long(t.c), long(t.h), long(t.w), long(t.k), long(t.c), long(t.r),
                long(t.s), long(t.stride), long(t.pad), long(t.dil), int(t.bias));
  return buf;
}

// Largest |a - b| / (scale + |b|); infinite where either side is NaN (an element a kernel left
// unwritten reads NaN under the test binary's memory poisoning, and std::max would skip it).
double worst_diff(const std::vector<float>& a, const std::vector<float>& b, double scale) {
  REQUIRE(a.size() == b.size());
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = std::abs(double(a[i]) - b[i]) / (scale + std::abs(double(b[i])));
    worst = std::isnan(d) ? INFINITY : std::max(worst, d);
  }
  return worst;
}

Tensor run(const Case& t, const Tensor& x, const Tensor& w, const Tensor& b, bool blas) {
  setenv("GANLITE_CONV_CPU", blas ? "blas" : "avx2", 1);
  Tensor y =
      conv2d(x, w, t.bias ? b : Tensor(), {t.stride, t.stride}, {t.pad, t.pad}, {t.dil, t.dil});
  unsetenv("GANLITE_CONV_CPU");
  return y;
}

}  // namespace

TEST_CASE("f32 conv2d fast path matches the OpenBLAS path", "[conv][fast]") {
  const Case cases[] = {
      // n, c, h, w, k, r, s, stride, pad, dil, bias
      {1, 3, 9, 11, 5, 3, 3, 1, 1, 1, true},      // K = 5: one partial 6-row panel
      {2, 4, 7, 7, 13, 3, 3, 1, 0, 1, false},     // K = 13, 25 pixels: panels wrap rows
      {3, 5, 13, 17, 37, 3, 3, 2, 1, 1, true},    // stride 2, odd sizes, batch 3
      {2, 8, 32, 32, 37, 4, 4, 2, 1, 1, true},    // DCGAN-like: stride-2 vector gather
      {1, 6, 20, 40, 13, 3, 3, 1, 2, 2, true},    // dilation 2 with padding 2
      {2, 16, 33, 19, 13, 1, 1, 1, 0, 1, false},  // 1x1, odd pixel count
      {1, 8, 17, 35, 5, 1, 1, 2, 0, 1, true},     // 1x1 stride 2
      {2, 3, 40, 36, 64, 7, 7, 1, 3, 1, true},    // 7x7 stem, 3 -> 64 channels
      {1, 32, 24, 64, 7, 3, 3, 1, 1, 1, true},    // rows of 64 pixels (4 full panels)
      {1, 40, 20, 21, 19, 3, 3, 1, 1, 1, false},  // C*R*S = 360: two k-blocks
      {2, 64, 10, 12, 6, 5, 5, 3, 2, 1, true},    // stride 3, C*R*S = 1600: seven k-blocks
      {1, 300, 9, 9, 11, 1, 1, 1, 0, 1, true},    // 1x1 with C = 300 > the k-block
      {1, 2, 5, 5, 3, 5, 5, 1, 0, 1, true},       // one output pixel
  };
  for (const Case& t : cases) {
    INFO(name(t));
    Generator gen(7);
    Tensor x = randn({t.n, t.c, t.h, t.w}, gen), w = randn({t.k, t.c, t.r, t.s}, gen);
    Tensor b = randn({t.k}, gen);
    Tensor fast = run(t, x, w, b, false), ref = run(t, x, w, b, true);
    REQUIRE(fast.shape() == ref.shape());
    // Scale of the sum: the products' magnitudes add up to about sqrt(C*R*S) for randn inputs.
    const double worst = worst_diff(fast.to_vector<float>(), ref.to_vector<float>(),
                                    std::sqrt(double(t.c * t.r * t.s)));
    CAPTURE(worst);
    REQUIRE(worst <= 1e-5);
  }
}

TEST_CASE("GANLITE_CONV_CPU is read at every call", "[conv][fast]") {
  // The two paths sum in different orders, so over 8192 outputs of 576-term sums their results
  // differ in the last bits somewhere (deterministically, for this seed): that shows which one
  // ran. Flipping back must give the fast path's bits again, and unset must mean the fast path.
  if (!cpu::avx2::supports(cpu::ConvShape{})) {
    WARN("this build has no AVX2/FMA fast path");
    return;
  }
  Generator gen(3);
  Tensor x = randn({1, 64, 16, 16}, gen), w = randn({32, 64, 3, 3}, gen);
  Case t{1, 64, 16, 16, 32, 3, 3, 1, 1, 1, false};
  std::vector<float> a = run(t, x, w, Tensor(), false).to_vector<float>();
  std::vector<float> b = run(t, x, w, Tensor(), true).to_vector<float>();
  std::vector<float> c = run(t, x, w, Tensor(), false).to_vector<float>();
  std::vector<float> d = conv2d(x, w, Tensor(), {1, 1}, {1, 1}).to_vector<float>();
  REQUIRE(a == c);
  REQUIRE(a != b);
  REQUIRE(d == a);
  for (size_t i = 0; i < a.size(); ++i)
    REQUIRE(std::abs(a[i] - b[i]) <= 1e-4 * (1 + std::abs(b[i])));
}

TEST_CASE("depthwise conv: the direct kernels match the im2col + GEMM path, with gradients",
          "[conv][fast]") {
  struct Dw {
    int64_t n, c, h, w, mult, r, stride, pad, dil;
  };
  const Dw cases[] = {
      {16, 64, 18, 18, 1, 3, 1, 1, 1},  // the mobile student's separable layer, smaller
      {2, 5, 13, 11, 2, 3, 2, 1, 1},    // multiplier 2, stride 2, odd sizes
      {1, 4, 12, 15, 1, 5, 1, 4, 2},    // 5x5, dilation 2, padding wider than the image edge
      {3, 2, 7, 9, 3, 3, 3, 0, 1},      // stride 3, no padding
      {2, 3, 7, 6, 1, 3, 1, 2, 1},      // 3x3 fast rows with padding 2: two edge columns a side
      {1, 3, 8, 5, 1, 3, 1, 0, 1},      // 3x3 fast rows, no padding: no edge columns
  };
  for (const Dw& t : cases) {
    INFO("depthwise " << t.n << "x" << t.c << "x" << t.h << "x" << t.w << " mult " << t.mult
                      << " r " << t.r << " stride " << t.stride << " pad " << t.pad << " dil "
                      << t.dil);
    std::vector<float> out[2], gx[2], gw[2];
    for (int blas = 0; blas < 2; ++blas) {
      Generator gen(3);
      Tensor x = randn({t.n, t.c, t.h, t.w}, gen).requires_grad_();
      Tensor w = randn({t.c * t.mult, 1, t.r, t.r}, gen).requires_grad_();
      if (blas) setenv("GANLITE_CONV_CPU", "blas", 1);
      Tensor y = conv2d(x, w, Tensor(), {t.stride, t.stride}, {t.pad, t.pad}, {t.dil, t.dil}, t.c);
      Generator gr(4);
      sum(y * randn(y.shape(), gr)).backward();
      unsetenv("GANLITE_CONV_CPU");
      out[blas] = y.to_vector<float>();
      gx[blas] = x.grad().to_vector<float>();
      gw[blas] = w.grad().to_vector<float>();
    }
    for (auto* pair : {out, gx, gw}) {
      const double worst = worst_diff(pair[0], pair[1], 1.0);
      CAPTURE(worst);
      CHECK(worst <= 1e-4);
    }
  }
}

TEST_CASE("narrow conv: the direct kernels match the im2col + GEMM path, with gradients",
          "[conv][fast]") {
  // n, c, h, w, k, r, s, stride, pad, dil, bias: K <= 4, stride 1, rows of >= 8 pixels.
  const Case cases[] = {
      {1, 16, 22, 30, 3, 7, 7, 1, 0, 1, true},  // the generators' 7x7 output conv, smaller
      {2, 64, 12, 13, 1, 4, 4, 1, 1, 1, true},  // PatchGAN's last conv: K = 1, odd width
      {1, 5, 9, 41, 2, 3, 3, 1, 1, 1, false},   // two tiles per row, the second partial
      {3, 7, 10, 9, 4, 3, 5, 1, 2, 1, true},    // K = 4 (3-vector tiles), R != S, pad 2 < S
      {1, 1, 11, 70, 3, 2, 2, 1, 1, 1, true},   // one input channel, even filter, pad 1
      {2, 9, 8, 8, 4, 1, 1, 1, 0, 1, false},    // 1x1: the input gradient has no border
  };
  for (const Case& t : cases) {
    INFO(name(t));
    cpu::ConvShape cs{t.n, t.c, t.h, t.w, t.k, t.r, t.s};
    cs.p = t.h + 2 * t.pad - t.r + 1;
    cs.q = t.w + 2 * t.pad - t.s + 1;
    cs.pad_h = cs.pad_w = t.pad;
    if (!cpu::narrow::applies(cs)) {
      WARN("this build has no AVX2/FMA narrow kernels");
      return;
    }
    std::vector<float> out[2], gx[2], gw[2], gb[2];
    for (int blas = 0; blas < 2; ++blas) {
      Generator gen(5);
      Tensor x = randn({t.n, t.c, t.h, t.w}, gen).requires_grad_();
      Tensor w = randn({t.k, t.c, t.r, t.s}, gen).requires_grad_();
      Tensor b = randn({t.k}, gen).requires_grad_();
      if (blas) setenv("GANLITE_CONV_CPU", "blas", 1);
      Tensor y = conv2d(x, w, t.bias ? b : Tensor(), {1, 1}, {t.pad, t.pad});
      Generator gr(6);
      sum(y * randn(y.shape(), gr)).backward();
      unsetenv("GANLITE_CONV_CPU");
      out[blas] = y.to_vector<float>();
      gx[blas] = x.grad().to_vector<float>();
      gw[blas] = w.grad().to_vector<float>();
      if (t.bias) gb[blas] = b.grad().to_vector<float>();
    }
    // Sums of randn products grow like the square root of their length: K*R*S terms per input
    // gradient, C*R*S per output, N*P*Q per weight gradient.
    const double terms[] = {double(t.c * t.r * t.s), double(t.k * t.r * t.s),
                            double(t.n * t.h * t.w), double(t.n * t.h * t.w)};
    const std::vector<float>* pairs[] = {out, gx, gw, gb};
    for (int i = 0; i < 4; ++i) {
      const double worst = worst_diff(pairs[i][0], pairs[i][1], std::sqrt(terms[i]));
      INFO("tensor " << i << " (y, dx, dw, db)");
      CAPTURE(worst);
      CHECK(worst <= 1e-5);
    }
  }
}
