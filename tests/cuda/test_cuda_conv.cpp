// Every CUDA convolution version, forced through cuda::set_conv_version, against the CPU: the
// conv2d and conv_transpose2d cases of the op-case table plus shapes sized to cross the tiles
// (implicit_gemm's 64 and the tiled versions' 128: K and C above them, N*P*Q, N*H*W and C*R*S
// not multiples of a tile), forward and the gradients of input, weight and bias (conv2d's input
// gradient is dgrad, conv_transpose2d's is fprop, both take wgrad), in f32 and f64. The small
// shapes leave most SMs idle, so the tiled versions split their reductions (split-K) on nearly
// every case; the ones whose reduction is shorter than 4 steps run unsplit. Tagged [shared]: the
// GEMM versions and channel_sum stage data in shared memory, so racecheck runs these.
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "engine/random.h"
#include "kernels/cuda/conv.h"
#include "parity.h"

using namespace ganlite;
using namespace ganlite::test;

namespace {

using V = std::vector<Tensor>;

// Returns to the automatic choice when a test ends, passed or not.
struct AutoVersion {
  ~AutoVersion() { cuda::set_conv_version(""); }
};

// Larger than the op-case table's shapes; CPU gradient checks would be slow on them.
const std::vector<OpCase>& tile_cases() {
  static const std::vector<OpCase> cases = {
      {"conv2d",
       "conv2d_k70_3x3_pad1",
       {{{3, 5, 11, 13}}, {{70, 5, 3, 3}}, {{70}}},
       [](const V& x) {
         return conv2d(x[0], x[1], x[2], {1, 1}, {1, 1});
       }},
      // dgrad's product has C rows: C > 64 crosses its row tiles, stride 2 skips taps.
      {"conv2d",
       "conv2d_c70_3x3_stride2",
       {{{2, 70, 9, 7}}, {{6, 70, 3, 3}}, {{6}}},
       [](const V& x) {
         return conv2d(x[0], x[1], x[2], {2, 2}, {1, 1});
       }},
      // The tiled versions' 128-row tiles: K = 130 for fprop and wgrad, C = 130 for dgrad.
      {"conv2d",
       "conv2d_k130_c130_3x3_pad1",
       {{{1, 130, 6, 5}}, {{130, 130, 3, 3}}, {{130}}},
       [](const V& x) {
         return conv2d(x[0], x[1], x[2], {1, 1}, {1, 1});
       }},
      {"conv2d",
       "conv2d_c16_4x4_stride2_dilation2",
       {{{2, 16, 12, 10}}, {{8, 16, 4, 4}}, {{8}}},
       [](const V& x) {
         return conv2d(x[0], x[1], x[2], {2, 2}, {1, 2}, {2, 2});
       }},
      {"conv2d",
       "conv2d_depthwise_stride2",
       {{{2, 8, 10, 9}}, {{8, 1, 3, 3}}, {{8}}},
       [](const V& x) {
         return conv2d(x[0], x[1], x[2], {2, 2}, {1, 1}, {1, 1}, 8);
       }},
      {"conv_transpose2d",
       "convt_dcgan_16_to_8",
       {{{2, 16, 5, 5}}, {{16, 8, 4, 4}}, {{8}}},
       [](const V& x) {
         return conv_transpose2d(x[0], x[1], x[2], {2, 2}, {1, 1});
       }},
  };
  return cases;
}

// TF32 keeps 10 bits of each input's mantissa: a sum of n products is off by about
// 2^-11 sqrt(n) times the products' size, 1e-2 for the tile cases' longest sums (1170 terms).
// An element read from the wrong place is off by the size of the sum itself, ~10 here.
bool rounds_to_tf32(const std::string& version) {
  return version == "tf32_mma";
}

bool is_conv(const OpCase& c) {
  return c.op == "conv2d" || c.op == "conv_transpose2d";
}

cpu::ConvShape shape(int64_t c, int64_t k, int64_t groups) {
  cpu::ConvShape cs;
  cs.n = 2, cs.c = c, cs.h = 8, cs.w = 8, cs.k = k, cs.r = 3, cs.s = 3, cs.p = 8, cs.q = 8;
  cs.pad_h = cs.pad_w = 1, cs.groups = groups;
  return cs;
}

}  // namespace

TEST_CASE("every conv version gives the CPU result, forward and the three gradients",
          "[cuda][conv][shared]") {
  AutoVersion restore;
  for (const std::string& v : cuda::conv_versions()) {
    INFO("version " << v);
    cuda::set_conv_version(v);
    for (DType dt : {DType::f32, DType::f64}) {
      // f32: the op-case table's conv tolerance; the tile cases sum a few hundred products of
      // values in [-1, 1] in another order than the CPU, hence the looser absolute term. f64:
      // the same sums, rounded 2^29 times finer (the absolute term covers cancellation).
      const Tol table = dt == DType::f64    ? Tol{1e-10, 1e-10}
                        : rounds_to_tf32(v) ? Tol{2e-2, 1e-2}
                                            : Tol{1e-5, 1e-4};
      const Tol tiles = dt == DType::f64    ? Tol{1e-10, 1e-10}
                        : rounds_to_tf32(v) ? Tol{6e-2, 1e-2}
                                            : Tol{1e-4, 1e-4};
      for (const OpCase& c : op_cases())
        if (is_conv(c)) check_parity(c, dt, table);
      for (const OpCase& c : tile_cases()) check_parity(c, dt, tiles);
    }
  }
}

TEST_CASE("a forced conv version runs where it implements the pass, else the automatic choice",
          "[cuda][conv]") {
  AutoVersion restore;
  using cuda::ConvPass;
  const cpu::ConvShape plain = shape(4, 6, 1), grouped = shape(4, 6, 2);
  CHECK(cuda::conv_versions() == std::vector<std::string>{"tf32_mma", "simt_tiled", "implicit_gemm",
                                                          "im2col_gemm", "direct"});

  cuda::set_conv_version("");
  // The automatic rule (registry.cu): implicit_gemm only for short reductions (C*R*S <= 160).
  const cpu::ConvShape deep = shape(64, 6, 1);  // 64*3*3 = 576
  CHECK(cuda::conv_version_for<float>(deep, ConvPass::fprop) == "im2col_gemm");
  CHECK(cuda::conv_version_for<float>(plain, ConvPass::fprop) == "implicit_gemm");
  CHECK(cuda::conv_version_for<double>(plain, ConvPass::fprop) == "im2col_gemm");
  // implicit_gemm's dgrad and wgrad and the tiled versions are not in the automatic choice (not
  // timed yet).
  CHECK(cuda::conv_version_for<float>(plain, ConvPass::dgrad) == "im2col_gemm");
  CHECK(cuda::conv_version_for<float>(plain, ConvPass::wgrad) == "im2col_gemm");
  CHECK(cuda::conv_version_for<float>(grouped, ConvPass::fprop) == "direct");

  for (const char* v : {"direct", "im2col_gemm"}) {
    cuda::set_conv_version(v);
    for (ConvPass pass : {ConvPass::fprop, ConvPass::dgrad, ConvPass::wgrad})
      for (const cpu::ConvShape& cs : {plain, grouped}) {
        CHECK(cuda::conv_version_for<float>(cs, pass) == v);
        CHECK(cuda::conv_version_for<double>(cs, pass) == v);
      }
  }

  // The f32-only, ungrouped versions (tf32_mma needs sm_80, which test_cuda's GPUs have).
  for (const char* v : {"implicit_gemm", "simt_tiled", "tf32_mma"}) {
    INFO("version " << v);
    cuda::set_conv_version(v);
    for (ConvPass pass : {ConvPass::fprop, ConvPass::dgrad, ConvPass::wgrad})
      CHECK(cuda::conv_version_for<float>(plain, pass) == v);
    CHECK(cuda::conv_version_for<double>(plain, ConvPass::fprop) == "im2col_gemm");
    CHECK(cuda::conv_version_for<float>(grouped, ConvPass::fprop) == "direct");
  }
}

TEST_CASE("a fused forward applies bias, per-channel scale and activation in every version",
          "[cuda][conv][shared]") {
  AutoVersion restore;
  // K = 130 crosses the tiled versions' row tiles; C*R*S = 45 leaves their reduction unsplit
  // while 2 x 5 x 11 x 13 = 1430 output columns cross their column tiles.
  cpu::ConvShape cs = shape(5, 130, 1);
  cs.h = 11, cs.w = 13, cs.p = 11, cs.q = 13;
  const int64_t nx = cs.n * cs.c * cs.h * cs.w, nw = cs.k * cs.c * cs.r * cs.s;
  const int64_t ny = cs.n * cs.k * cs.p * cs.q;
  Generator gen(3);
  const Tensor x = randn({nx}, gen).to(Device::cuda), w = randn({nw}, gen).to(Device::cuda);
  const Tensor bias = randn({cs.k}, gen).to(Device::cuda);
  const Tensor scale = rand({cs.k}, gen).to(Device::cuda);  // a mask's values lie in [0, 1]
  for (const std::string& v : cuda::conv_versions()) {
    if (v == "direct") continue;  // the reference below
    INFO("version " << v);
    for (cuda::ConvAct act :
         {cuda::ConvAct::none, cuda::ConvAct::relu, cuda::ConvAct::leaky_relu}) {
      Tensor plain = zeros({ny}, DType::f32, Device::cuda), fused = plain.clone();
      cuda::set_conv_version("direct");
      cuda::conv_fprop<float>(cs, x.data<float>(), w.data<float>(), bias.data<float>(),
                              plain.data<float>());
      cuda::set_conv_version(v);
      cuda::ConvEpilogue ep;
      ep.bias = bias.data<float>(), ep.scale = scale.data<float>(), ep.act = act;
      cuda::conv_fprop_fused(cs, x.data<float>(), w.data<float>(), ep, fused.data<float>());
      const std::vector<float> want = plain.to(Device::cpu).to_vector<float>();
      const std::vector<float> got = fused.to(Device::cpu).to_vector<float>();
      const std::vector<float> sc = scale.to(Device::cpu).to_vector<float>();
      const Tol tol = rounds_to_tf32(v) ? Tol{2e-2, 1e-2} : Tol{1e-5, 1e-4};
      int64_t bad = 0;
      for (int64_t i = 0; i < ny; ++i) {
        float e = want[i] * sc[i / (cs.p * cs.q) % cs.k];
        if (act == cuda::ConvAct::relu) e = e > 0 ? e : 0;
        if (act == cuda::ConvAct::leaky_relu) e = e > 0 ? e : ep.slope * e;
        bad += std::abs(got[i] - e) > tol.atol + tol.rtol * std::abs(e);
      }
      CHECK(bad == 0);
    }
  }
}

TEST_CASE("an unknown conv version is refused with the known ones listed", "[cuda][conv]") {
  AutoVersion restore;
  CHECK_THROWS_WITH(cuda::set_conv_version("winograd"),
                    Catch::Contains("winograd") && Catch::Contains("implicit_gemm") &&
                        Catch::Contains("im2col_gemm") && Catch::Contains("direct"));
}
