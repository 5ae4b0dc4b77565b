// Fréchet distance, KID and paired image metrics in f64 on the CPU (docs/metrics.md). Dense
// products go through cpu::gemm<double>; the symmetric eigenproblems use our cyclic Jacobi.
#include "gan/eval/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "engine/error.h"
#include "kernels/cpu/gemm.h"

namespace ganlite::gan {

namespace {

// Copies a 2-D CPU tensor into row-major f64.
std::vector<double> matrix_f64(const Tensor& x, const char* op, const char* name) {
  GANLITE_CHECK(x.defined() && x.dim() == 2, op, ": ", name, " must be a 2-D (N, D) tensor, got ",
                x.defined() ? x.shape_str() : std::string("undefined"));
  GANLITE_CHECK(x.device() == Device::cpu, op, ": ", name, " must be on the CPU");
  GANLITE_CHECK(is_float(x.dtype()), op, ": ", name, " must be f32 or f64");
  return x.to_vector<double>();
}

// Checks a pair of (N, C, H, W) image batches of one shape and returns both as f64.
std::pair<std::vector<double>, std::vector<double>> image_pair(const Tensor& a, const Tensor& b,
                                                               const char* op) {
  GANLITE_CHECK(a.defined() && b.defined() && a.dim() == 4 && a.shape() == b.shape(), op,
                ": expected two (N, C, H, W) tensors of one shape, got ",
                a.defined() ? a.shape_str() : "undefined", " and ",
                b.defined() ? b.shape_str() : "undefined");
  GANLITE_CHECK(a.numel() > 0, op, ": empty images of shape ", a.shape_str());
  GANLITE_CHECK(a.device() == Device::cpu && b.device() == Device::cpu, op,
                ": images must be on the CPU");
  GANLITE_CHECK(is_float(a.dtype()) && is_float(b.dtype()), op, ": images must be f32 or f64");
  return {a.to_vector<double>(), b.to_vector<double>()};
}

// C (m, n) = A (m, k) B (k, n), all row-major and contiguous.
std::vector<double> matmul_f64(const std::vector<double>& a, const std::vector<double>& b,
                               int64_t m, int64_t k, int64_t n, bool trans_b = false) {
  std::vector<double> c(static_cast<size_t>(m * n));
  cpu::gemm<double>(false, trans_b, m, n, k, 1.0, a.data(), k, b.data(), trans_b ? k : n, 0.0,
                    c.data(), n);
  return c;
}

}  // namespace

SymmetricEigen jacobi_eigen(const std::vector<double>& input, int64_t n, int max_sweeps) {
  GANLITE_CHECK(n >= 1 && static_cast<int64_t>(input.size()) == n * n,
                "jacobi_eigen: expected n*n = ", n * n, " entries, got ", input.size());
  std::vector<double> a = input;
  std::vector<double> vt(static_cast<size_t>(n * n), 0.0);  // V^T
  for (int64_t i = 0; i < n; ++i) vt[i * n + i] = 1.0;
  auto at = [&](int64_t i, int64_t j) -> double& { return a[i * n + j]; };
  double fro = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      GANLITE_CHECK(std::abs(at(i, j) - at(j, i)) <= 1e-9 * (std::abs(at(i, j)) + 1.0),
                    "jacobi_eigen: matrix is not symmetric at (", i, ", ", j, ")");
      fro += at(i, j) * at(i, j);
    }
  bool converged = false;
  for (int sweep = 0; sweep < max_sweeps && !converged; ++sweep) {
    double off = 0;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = i + 1; j < n; ++j) off += 2 * at(i, j) * at(i, j);
    if (off <= 1e-28 * fro || off == 0) {
      converged = true;
      break;
    }
    for (int64_t p = 0; p < n; ++p) {
      for (int64_t q = p + 1; q < n; ++q) {
        double apq = at(p, q);
        if (apq == 0) continue;
        double app = at(p, p), aqq = at(q, q);
        // The rotation J (J_pp = J_qq = c, J_pq = s, J_qp = -s) makes (J^T A J)_pq = 0 when
        // t = s / c solves t^2 + 2 theta t - 1 = 0, theta = (a_qq - a_pp) / (2 a_pq); the
        // smaller root keeps the rotation angle below pi/4, which is what makes Jacobi converge.
        double theta = (aqq - app) / (2 * apq);
        double t = (theta >= 0 ? 1.0 : -1.0) / (std::abs(theta) + std::sqrt(theta * theta + 1));
        double c = 1 / std::sqrt(t * t + 1), s = t * c;
        // Rows p and q are contiguous; the columns are refreshed from them (A stays symmetric).
        double* rp = &a[p * n];
        double* rq = &a[q * n];
        for (int64_t k = 0; k < n; ++k) {
          double akp = rp[k], akq = rq[k];
          rp[k] = c * akp - s * akq;
          rq[k] = s * akp + c * akq;
        }
        rp[p] = c * c * app - 2 * c * s * apq + s * s * aqq;
        rq[q] = s * s * app + 2 * c * s * apq + c * c * aqq;
        rp[q] = rq[p] = 0;
        for (int64_t k = 0; k < n; ++k) {
          at(k, p) = rp[k];
          at(k, q) = rq[k];
        }
        // vt holds V^T, so the columns p, q of V are contiguous rows here.
        double* vp = &vt[p * n];
        double* vq = &vt[q * n];
        for (int64_t k = 0; k < n; ++k) {
          double vkp = vp[k], vkq = vq[k];
          vp[k] = c * vkp - s * vkq;
          vq[k] = s * vkp + c * vkq;
        }
      }
    }
  }
  if (!converged) {
    double off = 0;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = i + 1; j < n; ++j) off += 2 * at(i, j) * at(i, j);
    converged = off <= 1e-28 * fro || off == 0;
  }
  GANLITE_CHECK(converged, "jacobi_eigen: no convergence in ", max_sweeps, " sweeps (n = ", n, ")");

  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int64_t x, int64_t y) { return at(x, x) < at(y, y); });
  SymmetricEigen out;
  out.n = n;
  out.values.resize(static_cast<size_t>(n));
  out.vectors.resize(static_cast<size_t>(n * n));
  for (int64_t k = 0; k < n; ++k) {
    out.values[k] = at(order[k], order[k]);
    for (int64_t i = 0; i < n; ++i) out.vectors[i * n + k] = vt[order[k] * n + i];
  }
  return out;
}

FeatureStats feature_stats(const Tensor& features) {
  std::vector<double> x = matrix_f64(features, "feature_stats", "features");
  int64_t n = features.size(0), d = features.size(1);
  GANLITE_CHECK(n >= 2 && d >= 1, "feature_stats: need at least 2 rows and 1 column, got ",
                features.shape_str());
  FeatureStats st;
  st.dim = d;
  st.count = n;
  st.mean.assign(static_cast<size_t>(d), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j) st.mean[j] += x[i * d + j];
  for (double& m : st.mean) m /= static_cast<double>(n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j) x[i * d + j] -= st.mean[j];
  // Centre first, then X^T X / (N - 1): the one-pass E[xx^T] - mu mu^T cancels catastrophically.
  st.cov.assign(static_cast<size_t>(d * d), 0.0);
  cpu::gemm<double>(true, false, d, d, n, 1.0 / static_cast<double>(n - 1), x.data(), d, x.data(),
                    d, 0.0, st.cov.data(), d);
  for (int64_t i = 0; i < d; ++i)
    for (int64_t j = i + 1; j < d; ++j) {
      double m = 0.5 * (st.cov[i * d + j] + st.cov[j * d + i]);
      st.cov[i * d + j] = st.cov[j * d + i] = m;
    }
  return st;
}

double fd_from_stats(const std::vector<double>& mu1, const std::vector<double>& s1,
                     const std::vector<double>& mu2, const std::vector<double>& s2) {
  const int64_t d = static_cast<int64_t>(mu1.size());
  GANLITE_CHECK(d >= 1 && static_cast<int64_t>(mu2.size()) == d &&
                    static_cast<int64_t>(s1.size()) == d * d &&
                    static_cast<int64_t>(s2.size()) == d * d,
                "fd_from_stats: expected means of size D and covariances of size D*D, got ",
                mu1.size(), ", ", s1.size(), ", ", mu2.size(), ", ", s2.size());
  double mean_term = 0, trace = 0;
  for (int64_t i = 0; i < d; ++i) {
    mean_term += (mu1[i] - mu2[i]) * (mu1[i] - mu2[i]);
    trace += s1[i * d + i] + s2[i * d + i];
  }
  // R = S1^{1/2} = V diag(sqrt(max(l, 0))) V^T.
  SymmetricEigen e1 = jacobi_eigen(s1, d);
  std::vector<double> w = e1.vectors;  // V scaled column by column
  for (int64_t i = 0; i < d; ++i)
    for (int64_t k = 0; k < d; ++k) w[i * d + k] *= std::sqrt(std::max(e1.values[k], 0.0));
  std::vector<double> r = matmul_f64(w, e1.vectors, d, d, d, /*trans_b=*/true);
  // M = R S2 R is symmetric PSD and similar to S1 S2; symmetrise away the rounding.
  std::vector<double> m = matmul_f64(matmul_f64(r, s2, d, d, d), r, d, d, d);
  for (int64_t i = 0; i < d; ++i)
    for (int64_t j = i + 1; j < d; ++j) {
      double avg = 0.5 * (m[i * d + j] + m[j * d + i]);
      m[i * d + j] = m[j * d + i] = avg;
    }
  SymmetricEigen e2 = jacobi_eigen(m, d);
  double trace_sqrt = 0;
  for (double l : e2.values) trace_sqrt += std::sqrt(std::max(l, 0.0));
  return mean_term + trace - 2 * trace_sqrt;
}

double fd_from_stats(const FeatureStats& a, const FeatureStats& b) {
  GANLITE_CHECK(a.dim == b.dim, "fd_from_stats: feature dimensions differ: ", a.dim, " vs ", b.dim);
  return fd_from_stats(a.mean, a.cov, b.mean, b.cov);
}

double frechet_distance(const Tensor& features1, const Tensor& features2) {
  GANLITE_CHECK(features1.defined() && features2.defined() && features1.dim() == 2 &&
                    features2.dim() == 2 && features1.size(1) == features2.size(1),
                "frechet_distance: expected (N1, D) and (N2, D) features, got ",
                features1.defined() ? features1.shape_str() : "undefined", " and ",
                features2.defined() ? features2.shape_str() : "undefined");
  return fd_from_stats(feature_stats(features1), feature_stats(features2));
}

KidResult kernel_mmd(const Tensor& features1, const Tensor& features2, Generator& gen,
                     const KidOptions& options) {
  std::vector<double> x = matrix_f64(features1, "kernel_mmd", "features1");
  std::vector<double> y = matrix_f64(features2, "kernel_mmd", "features2");
  const int64_t n1 = features1.size(0), n2 = features2.size(0), d = features1.size(1);
  GANLITE_CHECK(features2.size(1) == d && d >= 1,
                "kernel_mmd: feature dimensions differ: ", features1.shape_str(), " vs ",
                features2.shape_str());
  GANLITE_CHECK(options.subsets >= 1 && options.subset_size >= 2,
                "kernel_mmd: need subsets >= 1 and subset_size >= 2, got ", options.subsets, ", ",
                options.subset_size);
  const int64_t m = std::min({options.subset_size, n1, n2});
  GANLITE_CHECK(m >= 2, "kernel_mmd: need at least 2 rows in each set, got ", n1, " and ", n2);

  auto draw = [&](const std::vector<double>& src, int64_t n) {
    std::vector<int64_t> perm = randperm(n, gen).to_vector<int64_t>();
    std::vector<double> sub(static_cast<size_t>(m * d));
    for (int64_t i = 0; i < m; ++i) std::copy_n(src.begin() + perm[i] * d, d, sub.begin() + i * d);
    return sub;
  };
  auto kernel_sum = [&](const std::vector<double>& a, const std::vector<double>& b,
                        bool skip_diagonal) {
    std::vector<double> g = matmul_f64(a, b, m, d, m, /*trans_b=*/true);
    double s = 0;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < m; ++j) {
        if (skip_diagonal && i == j) continue;
        double k = g[i * m + j] / static_cast<double>(d) + 1.0;
        s += k * k * k;
      }
    return s;
  };

  std::vector<double> values;
  const double md = static_cast<double>(m);
  for (int64_t t = 0; t < options.subsets; ++t) {
    std::vector<double> xs = draw(x, n1), ys = draw(y, n2);
    double kxx = kernel_sum(xs, xs, true), kyy = kernel_sum(ys, ys, true);
    double kxy = kernel_sum(xs, ys, false);
    values.push_back((kxx + kyy) / (md * (md - 1)) - 2 * kxy / (md * md));
  }
  KidResult r;
  r.mean = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
  if (values.size() > 1) {
    double ss = 0;
    for (double v : values) ss += (v - r.mean) * (v - r.mean);
    r.std = std::sqrt(ss / static_cast<double>(values.size() - 1));
  }
  return r;
}

double l1_distance(const Tensor& a, const Tensor& b) {
  auto [x, y] = image_pair(a, b, "l1_distance");
  double s = 0;
  for (size_t i = 0; i < x.size(); ++i) s += std::abs(x[i] - y[i]);
  return s / static_cast<double>(x.size());
}

double psnr(const Tensor& a, const Tensor& b) {
  auto [x, y] = image_pair(a, b, "psnr");
  const int64_t n = a.size(0), per = a.numel() / n;
  double total = 0;
  for (int64_t i = 0; i < n; ++i) {
    double se = 0;
    for (int64_t j = 0; j < per; ++j) {
      double diff = 0.5 * (x[i * per + j] - y[i * per + j]);  // [-1, 1] -> [0, 1] halves it
      se += diff * diff;
    }
    double mse = se / static_cast<double>(per);
    total += mse == 0 ? std::numeric_limits<double>::infinity() : 10 * std::log10(1.0 / mse);
  }
  return total / static_cast<double>(n);
}

namespace {

// out (H - k + 1, W - k + 1) = separable "valid" correlation of in (H, W) with g (k) x g (k).
void gaussian_valid(const double* in, int64_t h, int64_t w, const std::vector<double>& g,
                    std::vector<double>& tmp, double* out) {
  const int64_t k = static_cast<int64_t>(g.size()), ow = w - k + 1, oh = h - k + 1;
  tmp.assign(static_cast<size_t>(h * ow), 0.0);
  for (int64_t i = 0; i < h; ++i)
    for (int64_t j = 0; j < ow; ++j) {
      double s = 0;
      for (int64_t t = 0; t < k; ++t) s += g[t] * in[i * w + j + t];
      tmp[i * ow + j] = s;
    }
  for (int64_t i = 0; i < oh; ++i)
    for (int64_t j = 0; j < ow; ++j) {
      double s = 0;
      for (int64_t t = 0; t < k; ++t) s += g[t] * tmp[(i + t) * ow + j];
      out[i * ow + j] = s;
    }
}

}  // namespace

double ssim(const Tensor& a, const Tensor& b) {
  constexpr int64_t kWindow = 11;
  constexpr double kSigma = 1.5, kC1 = 0.01 * 0.01, kC2 = 0.03 * 0.03;  // L = 1
  auto [x, y] = image_pair(a, b, "ssim");
  const int64_t n = a.size(0), c = a.size(1), h = a.size(2), w = a.size(3);
  GANLITE_CHECK(h >= kWindow && w >= kWindow, "ssim: images must be at least ", kWindow, "x",
                kWindow, ", got ", a.shape_str());
  std::vector<double> g(kWindow);
  for (int64_t i = 0; i < kWindow; ++i) {
    double u = static_cast<double>(i - kWindow / 2);
    g[i] = std::exp(-u * u / (2 * kSigma * kSigma));
  }
  double gs = std::accumulate(g.begin(), g.end(), 0.0);
  for (double& v : g) v /= gs;

  const int64_t oh = h - kWindow + 1, ow = w - kWindow + 1, plane = h * w, op = oh * ow;
  std::vector<double> px(plane), py(plane), pxx(plane), pyy(plane), pxy(plane), tmp;
  std::vector<double> mx(op), my(op), mxx(op), myy(op), mxy(op);
  double total = 0;
  for (int64_t p = 0; p < n * c; ++p) {
    for (int64_t i = 0; i < plane; ++i) {
      px[i] = 0.5 * (x[p * plane + i] + 1);
      py[i] = 0.5 * (y[p * plane + i] + 1);
      pxx[i] = px[i] * px[i];
      pyy[i] = py[i] * py[i];
      pxy[i] = px[i] * py[i];
    }
    gaussian_valid(px.data(), h, w, g, tmp, mx.data());
    gaussian_valid(py.data(), h, w, g, tmp, my.data());
    gaussian_valid(pxx.data(), h, w, g, tmp, mxx.data());
    gaussian_valid(pyy.data(), h, w, g, tmp, myy.data());
    gaussian_valid(pxy.data(), h, w, g, tmp, mxy.data());
    double s = 0;
    for (int64_t i = 0; i < op; ++i) {
      double vx = mxx[i] - mx[i] * mx[i], vy = myy[i] - my[i] * my[i];
      double cxy = mxy[i] - mx[i] * my[i];
      s += ((2 * mx[i] * my[i] + kC1) * (2 * cxy + kC2)) /
           ((mx[i] * mx[i] + my[i] * my[i] + kC1) * (vx + vy + kC2));
    }
    total += s / static_cast<double>(op);
  }
  return total / static_cast<double>(n * c);
}

}  // namespace ganlite::gan
