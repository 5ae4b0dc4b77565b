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
#include "kernels/cpu/conv_winograd.h"
#include "kernels/cpu/gemm.h"

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

// The forward under GANLITE_CONV_CPU=mode ("" leaves it unset: the default choice).
Tensor run(const Case& t, const Tensor& x, const Tensor& w, const Tensor& b, const char* mode) {
  if (*mode) setenv("GANLITE_CONV_CPU", mode, 1);
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
    Tensor fast = run(t, x, w, b, "avx2"), ref = run(t, x, w, b, "blas");
    REQUIRE(fast.shape() == ref.shape());
    // Scale of the sum: the products' magnitudes add up to about sqrt(C*R*S) for randn inputs.
    const double worst = worst_diff(fast.to_vector<float>(), ref.to_vector<float>(),
                                    std::sqrt(double(t.c * t.r * t.s)));
    CAPTURE(worst);
    REQUIRE(worst <= 1e-5);
  }
}

TEST_CASE("GANLITE_CONV_CPU is read at every call", "[conv][fast]") {
  // The three paths (unset: Winograd for this 3x3 layer; avx2; blas) sum in different orders, so
  // over 8192 outputs of 576-term sums their results differ in the last bits somewhere
  // (deterministically, for this seed): that shows which one ran. Flipping back must give the
  // same path's bits again.
  if (!cpu::avx2::supports(cpu::ConvShape{})) {
    WARN("this build has no AVX2/FMA fast path");
    return;
  }
  Generator gen(3);
  Tensor x = randn({1, 64, 16, 16}, gen), w = randn({32, 64, 3, 3}, gen);
  Case t{1, 64, 16, 16, 32, 3, 3, 1, 1, 1, false};
  std::vector<float> a = run(t, x, w, Tensor(), "avx2").to_vector<float>();
  std::vector<float> b = run(t, x, w, Tensor(), "blas").to_vector<float>();
  std::vector<float> c = run(t, x, w, Tensor(), "avx2").to_vector<float>();
  std::vector<float> d = run(t, x, w, Tensor(), "").to_vector<float>();
  std::vector<float> e = run(t, x, w, Tensor(), "").to_vector<float>();
  REQUIRE(a == c);
  REQUIRE(d == e);
  REQUIRE(a != b);
  REQUIRE(d != a);
  REQUIRE(d != b);
  for (size_t i = 0; i < a.size(); ++i) {
    REQUIRE(std::abs(a[i] - b[i]) <= 1e-4 * (1 + std::abs(b[i])));
    REQUIRE(std::abs(d[i] - b[i]) <= 1e-4 * (1 + std::abs(b[i])));
  }
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

namespace {

// Output and all three gradients of conv2d on the default path against GANLITE_CONV_CPU=blas.
void check_against_gemm(const Case& t) {
  INFO(name(t));
  std::vector<float> out[2], gx[2], gw[2], gb[2];
  for (int blas = 0; blas < 2; ++blas) {
    Generator gen(5);
    Tensor x = randn({t.n, t.c, t.h, t.w}, gen).requires_grad_();
    Tensor w = randn({t.k, t.c, t.r, t.s}, gen).requires_grad_();
    Tensor b = randn({t.k}, gen).requires_grad_();
    if (blas) setenv("GANLITE_CONV_CPU", "blas", 1);
    Tensor y =
        conv2d(x, w, t.bias ? b : Tensor(), {t.stride, t.stride}, {t.pad, t.pad}, {t.dil, t.dil});
    Generator gr(6);
    sum(y * randn(y.shape(), gr)).backward();
    unsetenv("GANLITE_CONV_CPU");
    out[blas] = y.to_vector<float>();
    gx[blas] = x.grad().to_vector<float>();
    gw[blas] = w.grad().to_vector<float>();
    if (t.bias) gb[blas] = b.grad().to_vector<float>();
  }
  // Sums of randn products grow like the square root of their length: C*R*S terms per output,
  // K*R*S per input gradient, N*P*Q per weight gradient.
  const double terms[] = {double(t.c * t.r * t.s), double(t.k * t.r * t.s), double(t.n * t.h * t.w),
                          double(t.n * t.h * t.w)};
  const std::vector<float>* pairs[] = {out, gx, gw, gb};
  for (int i = 0; i < 4; ++i) {
    const double worst = worst_diff(pairs[i][0], pairs[i][1], std::sqrt(terms[i]));
    INFO("tensor " << i << " (y, dx, dw, db)");
    CAPTURE(worst);
    CHECK(worst <= 1e-5);
  }
}

cpu::ConvShape shape_of(const Case& t) {
  cpu::ConvShape cs{t.n, t.c, t.h, t.w, t.k, t.r, t.s};
  cs.p = (t.h + 2 * t.pad - t.dil * (t.r - 1) - 1) / t.stride + 1;
  cs.q = (t.w + 2 * t.pad - t.dil * (t.s - 1) - 1) / t.stride + 1;
  cs.stride_h = cs.stride_w = t.stride;
  cs.pad_h = cs.pad_w = t.pad;
  cs.dil_h = cs.dil_w = t.dil;
  return cs;
}

}  // namespace

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
    if (!cpu::narrow::applies(shape_of(t))) {
      WARN("this build has no AVX2/FMA narrow kernels");
      return;
    }
    check_against_gemm(t);
  }
}

TEST_CASE("Winograd conv: forward and input gradient match the im2col + GEMM path",
          "[conv][fast]") {
  // n, c, h, w, k, r, s, stride, pad, dil, bias: 3x3, stride 1, C and K >= 16.
  const Case cases[] = {
      {1, 16, 9, 11, 16, 3, 3, 1, 1, 1, true},   // odd output: half tiles at the right, bottom
      {2, 17, 8, 8, 19, 3, 3, 1, 0, 1, false},   // no padding (CycleGAN's reflection-padded conv)
      {1, 32, 13, 6, 20, 3, 3, 1, 2, 1, true},   // padding 2: the input gradient has none
      {3, 16, 5, 7, 24, 3, 3, 1, 1, 1, false},   // batch 3: work blocks span images
      {1, 24, 40, 38, 16, 3, 3, 1, 1, 1, true},  // 380 tiles: several work blocks
  };
  for (const Case& t : cases) {
    REQUIRE(cpu::winograd::applies(shape_of(t)));
    check_against_gemm(t);
  }
}

TEST_CASE(
    "Winograd conv: an image's outputs have the same bits at any batch position and thread "
    "count",
    "[conv][fast]") {
  // 32x32 outputs: two work blocks per image, so one image alone is split across both threads.
  Generator gen(9);
  Tensor x = randn({3, 16, 32, 32}, gen), w = randn({16, 16, 3, 3}, gen), b = randn({16}, gen);
  const std::vector<float> batch = conv2d(x, w, b, {1, 1}, {1, 1}).to_vector<float>();
  const int threads = cpu::num_threads();
  for (int t : {1, 2}) {
    cpu::set_num_threads(t);
    const std::vector<float> alone =
        conv2d(x.slice(0, 2, 1).contiguous(), w, b, {1, 1}, {1, 1}).to_vector<float>();
    const std::vector<float> third(batch.end() - alone.size(), batch.end());
    CHECK(alone == third);
  }
  cpu::set_num_threads(threads);
}
