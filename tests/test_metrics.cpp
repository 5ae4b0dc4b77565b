// Offline quality metrics (gan/eval/metrics.h, gan/eval/swd.h): the Jacobi eigensolver reconstructs
// its input, the Fréchet distance matches closed forms on given covariances and Gaussian samples,
// KID and SWD vanish on identical sets and grow with a shift, PSNR/SSIM/L1 match hand values.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "engine/ops.h"
#include "engine/random.h"
#include "gan/eval/metrics.h"
#include "gan/eval/swd.h"

using namespace ganlite;
using namespace ganlite::gan;

namespace {

std::vector<double> diag(const std::vector<double>& d) {
  const size_t n = d.size();
  std::vector<double> m(n * n, 0.0);
  for (size_t i = 0; i < n; ++i) m[i * n + i] = d[i];
  return m;
}

// Smooth random images: blurred noise, so they differ from white noise at every pyramid level.
Tensor smooth_images(int64_t n, Generator& gen) {
  Tensor x = randn({n, 1, 32, 32}, gen, DType::f64);
  return tanh(upsample_bilinear2d(avg_pool2d(x, 4), 4));
}

}  // namespace

TEST_CASE("jacobi_eigen reconstructs A = V diag(l) V^T with orthonormal V", "[metrics]") {
  const int64_t n = 7;
  Generator gen(3);
  std::vector<double> r = randn({n, n}, gen, DType::f64).to_vector<double>();
  std::vector<double> a(n * n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) a[i * n + j] = r[i * n + j] + r[j * n + i];
  SymmetricEigen e = jacobi_eigen(a, n);
  for (int64_t k = 1; k < n; ++k) CHECK(e.values[k - 1] <= e.values[k]);
  double err = 0, orth = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double s = 0, o = 0;
      for (int64_t k = 0; k < n; ++k) {
        s += e.vectors[i * n + k] * e.values[k] * e.vectors[j * n + k];
        o += e.vectors[k * n + i] * e.vectors[k * n + j];
      }
      err = std::max(err, std::abs(s - a[i * n + j]));
      orth = std::max(orth, std::abs(o - (i == j ? 1.0 : 0.0)));
    }
  CHECK(err < 1e-12);
  CHECK(orth < 1e-12);

  SymmetricEigen two = jacobi_eigen({2, 1, 1, 2}, 2);
  CHECK(two.values[0] == Approx(1.0).epsilon(1e-14));
  CHECK(two.values[1] == Approx(3.0).epsilon(1e-14));
  CHECK_THROWS(jacobi_eigen({1, 2, 0, 1}, 2));  // not symmetric
}

TEST_CASE("fd_from_stats matches closed forms on given covariances", "[metrics]") {
  // Diagonal: S1, S2 commute, so FD = ||mu1 - mu2||^2 + sum (sqrt a - sqrt b)^2 exactly.
  std::vector<double> a{0.5, 1.0, 2.0, 4.0, 9.0}, b{2.0, 1.0, 0.25, 1.0, 16.0};
  std::vector<double> mu1{0, 1, 0, -1, 2}, mu2{1, 1, 0, 1, 2};
  double expected = 1 + 4;
  for (size_t i = 0; i < a.size(); ++i)
    expected += (std::sqrt(a[i]) - std::sqrt(b[i])) * (std::sqrt(a[i]) - std::sqrt(b[i]));
  CHECK(fd_from_stats(mu1, diag(a), mu2, diag(b)) == Approx(expected).epsilon(1e-12));
  CHECK(std::abs(fd_from_stats(mu1, diag(a), mu1, diag(a))) < 1e-12);

  // Non-commuting 2x2: S1 = diag(4, 1), S2 = [[2, 1], [1, 2]]. S1 S2 = [[8, 4], [1, 2]] has
  // trace 10 and determinant 12, and for a 2x2 matrix with eigenvalues l1, l2 >= 0,
  // (sqrt l1 + sqrt l2)^2 = tr + 2 sqrt(det), so Tr (S1 S2)^{1/2} = sqrt(10 + 4 sqrt 3).
  // With mu1 = (1, 0), mu2 = (0, 2): FD = 5 + (5 + 4) - 2 sqrt(10 + 4 sqrt 3).
  double fd = fd_from_stats({1, 0}, {4, 0, 0, 1}, {0, 2}, {2, 1, 1, 2});
  CHECK(fd == Approx(14 - 2 * std::sqrt(10 + 4 * std::sqrt(3.0))).epsilon(1e-12));
  // Against the identity: Tr S1^{1/2} = sqrt 3 + 1 for S1 = [[2, 1], [1, 2]].
  CHECK(fd_from_stats({0, 0}, {2, 1, 1, 2}, {0, 0}, {1, 0, 0, 1}) ==
        Approx(6 - 2 * (std::sqrt(3.0) + 1)).epsilon(1e-12));
  // A singular (rank-1) S1 is fine: its negative rounding eigenvalues count as 0.
  CHECK(fd_from_stats({0, 0}, {1, 1, 1, 1}, {0, 0}, {1, 1, 1, 1}) == Approx(0).margin(1e-7));
}

TEST_CASE("Fréchet distance of feature sets: 0 on identical sets, closed form on Gaussians",
          "[metrics]") {
  Generator gen(11);
  Tensor x = randn({400, 16}, gen, DType::f64) * 3.0;
  FeatureStats st = feature_stats(x);
  double scale = 0;
  for (int64_t i = 0; i < 16; ++i) scale += st.cov[i * 16 + i];
  CHECK(std::abs(frechet_distance(x, x)) < 1e-6 * scale);

  // N(0, I) vs N(m 1, s^2 I), D = 8: FD = D m^2 + D (1 - s)^2 = 2 + 8 for m = 0.5, s = 2.
  const int64_t d = 8, n = 20000;
  Tensor p = randn({n, d}, gen, DType::f64);
  Tensor q = randn({n, d}, gen, DType::f64) * 2.0 + 0.5;
  CHECK(frechet_distance(p, q) == Approx(10.0).epsilon(0.02));
  // f32 features give the same answer (f64 inside).
  CHECK(frechet_distance(p.to(DType::f32), q.to(DType::f32)) ==
        Approx(frechet_distance(p, q)).epsilon(1e-5));
  CHECK_THROWS(frechet_distance(p, randn({10, 4}, gen)));
}

TEST_CASE("KID is about 0 on one distribution and clearly positive on a shifted one", "[metrics]") {
  Generator data(5);
  Tensor x = randn({1000, 16}, data, DType::f64);
  Tensor y = randn({1000, 16}, data, DType::f64);
  Tensor shifted = randn({1000, 16}, data, DType::f64) + 0.5;
  KidOptions opt;
  opt.subset_size = 200;
  opt.subsets = 50;
  Generator g1(1), g2(1);
  KidResult same = kernel_mmd(x, x, g1, opt);
  KidResult other = kernel_mmd(x, y, g2, opt);
  Generator g3(1);
  KidResult far = kernel_mmd(x, shifted, g3, opt);
  CHECK(std::abs(same.mean) < 0.02);
  CHECK(std::abs(other.mean) < 0.02);
  CHECK(far.mean > 0.5);
  CHECK(far.mean > 10 * far.std / std::sqrt(50.0));
  // Seeded: the same generator state gives the same value.
  Generator g4(1);
  CHECK(kernel_mmd(x, y, g4, opt).mean == other.mean);
}

TEST_CASE("SWD: 0 on identical image sets, small within a distribution, large across",
          "[metrics]") {
  Generator gen(9);
  Tensor a = smooth_images(256, gen);
  Tensor a2 = smooth_images(256, gen);
  Tensor noise = clamp(randn({256, 1, 32, 32}, gen, DType::f64) * 0.5, -1, 1);
  SwdOptions opt;
  opt.patches_per_level = 2048;
  opt.projections = 128;
  Generator g(1);
  SwdResult same = sliced_wasserstein(a, a, g, opt);
  REQUIRE(same.levels.size() == 3);  // 32, 16, 8
  for (double v : same.levels) CHECK(v == 0.0);
  CHECK(same.mean == 0.0);
  Generator g2(1), g3(1);
  SwdResult within = sliced_wasserstein(a, a2, g2, opt);
  SwdResult across = sliced_wasserstein(a, noise, g3, opt);
  CHECK(within.mean > 0);
  // White noise differs most at the finest level; at 8x8 (4 patch positions per image) sampling
  // noise dominates, so only the finest level and the mean are compared.
  CHECK(across.levels[0] > 3 * within.levels[0]);
  CHECK(across.mean > within.mean);
  CHECK_THROWS(sliced_wasserstein(a, randn({4, 1, 16, 16}, gen), g, opt));
}

TEST_CASE("paired metrics: L1, PSNR and SSIM against hand values", "[metrics]") {
  Generator gen(2);
  Tensor a = rand({3, 2, 16, 16}, gen, DType::f64, -0.8, 0.8);
  Tensor b = a + 0.2;  // 0.1 in [0, 1]: MSE 0.01, PSNR 20 dB
  CHECK(l1_distance(a, b) == Approx(0.2).epsilon(1e-12));
  CHECK(std::isinf(psnr(a, a)));
  CHECK(psnr(a, b) == Approx(20.0).epsilon(1e-10));
  CHECK(ssim(a, a) == Approx(1.0).epsilon(1e-12));
  Tensor noisy = clamp(a + randn(a.shape(), gen, DType::f64) * 0.1, -1, 1);
  Tensor noisier = clamp(a + randn(a.shape(), gen, DType::f64) * 0.4, -1, 1);
  double s1 = ssim(a, noisy), s2 = ssim(a, noisier);
  CHECK(s1 < 1.0);
  CHECK(s2 < s1);
  // Constant images 0.5 and 0.75 (in [0, 1]): variances vanish, so
  // SSIM = (2 * 0.5 * 0.75 + C1) / (0.5^2 + 0.75^2 + C1) with C1 = 1e-4.
  Tensor c0 = zeros({1, 1, 12, 12}, DType::f64), c1 = full({1, 1, 12, 12}, 0.5, DType::f64);
  CHECK(ssim(c0, c1) == Approx((0.75 + 1e-4) / (0.8125 + 1e-4)).epsilon(1e-12));
  CHECK_THROWS(ssim(zeros({1, 1, 8, 8}), zeros({1, 1, 8, 8})));
  CHECK_THROWS(psnr(a, zeros({3, 2, 16, 8})));
}
