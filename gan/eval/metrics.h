// Offline quality metrics that need no downloaded weights (docs/metrics.md): the Fréchet distance
// between Gaussians fitted to two feature sets (Dowson & Landau 1982; Heusel et al. 2017 eq. 6),
// KID as the unbiased polynomial-kernel MMD^2 (Bińkowski et al. 2018, eq. 3 and sec. 3.2), and
// paired image metrics L1, PSNR and SSIM (Wang et al. 2004, eq. 13). Features come from our own
// Fashion-MNIST classifier, so the numbers are "FD-FMNIST" / "KID-FMNIST", never FID.
#pragma once
#include <cstdint>
#include <vector>

#include "engine/random.h"
#include "engine/tensor.h"

namespace ganlite::gan {

// Eigendecomposition of a symmetric n x n matrix A (row-major): A = V diag(values) V^T with V
// orthogonal. vectors is row-major n x n and its column k is the eigenvector of values[k];
// values are ascending. Cyclic Jacobi rotations (Golub & Van Loan, sec. 8.5): each rotation
// zeroes one off-diagonal pair, sweeps repeat until the off-diagonal mass is below 1e-28 of
// ||A||_F^2. O(n^3) per sweep, a handful of sweeps: fine up to n ~ 512 (frechet_distance at
// D = 512, two decompositions, takes ~15 s on 2 cores).
struct SymmetricEigen {
  int64_t n = 0;
  std::vector<double> values;
  std::vector<double> vectors;
};
SymmetricEigen jacobi_eigen(const std::vector<double>& a, int64_t n, int max_sweeps = 100);

// Mean and unbiased (N - 1) covariance of N feature vectors, as numpy.cov(rowvar=False).
struct FeatureStats {
  int64_t dim = 0;
  int64_t count = 0;
  std::vector<double> mean;  // (D)
  std::vector<double> cov;   // (D, D) row-major
};
FeatureStats feature_stats(const Tensor& features);  // (N, D) f32/f64, N >= 2

// Fréchet distance between N(mu1, S1) and N(mu2, S2):
//   ||mu1 - mu2||^2 + Tr(S1) + Tr(S2) - 2 Tr((S1 S2)^{1/2}).
// S1 S2 is not symmetric, but it is similar to R S2 R with R = S1^{1/2} (symmetric PSD), so
// Tr((S1 S2)^{1/2}) = sum_i sqrt(lambda_i(R S2 R)); both steps are symmetric eigenproblems, which
// avoids the complex square roots scipy.linalg.sqrtm can return. Eigenvalues below 0 (rounding)
// count as 0. The result is not clamped: a tiny negative value is rounding, not a bug to hide.
double fd_from_stats(const std::vector<double>& mu1, const std::vector<double>& s1,
                     const std::vector<double>& mu2, const std::vector<double>& s2);
double fd_from_stats(const FeatureStats& a, const FeatureStats& b);
// FD between two feature sets (N1, D) and (N2, D); f64 throughout.
double frechet_distance(const Tensor& features1, const Tensor& features2);

// KID: with k(x, y) = (x.y / D + 1)^3 and subsets X, Y of m rows each,
//   MMD^2_u = sum_{i!=j} k(x_i, x_j) / (m(m-1)) + sum_{i!=j} k(y_i, y_j) / (m(m-1))
//             - 2 sum_{i,j} k(x_i, y_j) / m^2,
// averaged over `subsets` pairs of subsets drawn without replacement (independently for the two
// sets) from gen. m = min(subset_size, N1, N2). Unbiased, so it can be slightly negative.
struct KidOptions {
  int64_t subset_size = 1000;
  int64_t subsets = 100;
};
struct KidResult {
  double mean = 0;  // the KID
  double std = 0;   // standard deviation over subsets (0 with one subset)
};
KidResult kernel_mmd(const Tensor& features1, const Tensor& features2, Generator& gen,
                     const KidOptions& options = {});

// Paired metrics over images (N, C, H, W) in [-1, 1]; both tensors have the same shape.
// L1: mean |a - b| in the [-1, 1] range (the distillation loss's scale).
double l1_distance(const Tensor& a, const Tensor& b);
// PSNR in dB with images mapped to [0, 1] (peak 1): the mean over images of
// 10 log10(1 / MSE_image). An image pair with MSE 0 has PSNR +infinity, so the mean is +infinity
// whenever one pair is identical; no cap is applied.
double psnr(const Tensor& a, const Tensor& b);
// SSIM (Wang et al. 2004) on [0, 1] images: an 11 x 11 Gaussian window with sigma 1.5 (sums to 1),
// C1 = (0.01 L)^2, C2 = (0.03 L)^2 with L = 1, statistics over "valid" window positions only (no
// padding; H, W >= 11), biased (window-weighted) variances as in the paper. The SSIM map is
// averaged per channel, then over channels and images.
double ssim(const Tensor& a, const Tensor& b);

}  // namespace ganlite::gan
