// RKD's relation losses (see relation.h): pairwise distances and triplet angles of item sets,
// composed from engine ops (bmm, broadcasting arithmetic), so their gradients come from those ops.
#include "compress/crd/relation.h"

#include <cmath>
#include <limits>
#include <vector>

#include "engine/autograd.h"
#include "engine/error.h"
#include "engine/ops.h"

namespace ganlite::compress {
namespace {

constexpr double kEps = 1e-12;  // RKD's: F.normalize's floor on a norm, pdist's on a square

// (N, D) -> (1, N, D); (B, N, D) as it is.
Tensor as_sets(const Tensor& x, const char* who) {
  GANLITE_CHECK(x.defined() && is_float(x.dtype()) && (x.dim() == 2 || x.dim() == 3), who,
                ": expects items as a float (N, D) or (B, N, D) tensor, got ",
                x.defined() ? x.shape_str() : std::string("an undefined tensor"));
  GANLITE_CHECK(x.size(-2) >= 2, who, ": needs at least 2 items, got ", x.shape_str());
  return x.dim() == 2 ? x.unsqueeze(0) : x;
}

// The result back to the input's rank: drop the set dimension of a 2-D input.
Tensor like_input(const Tensor& r, const Tensor& x) {
  return x.dim() == 2 ? r.squeeze(0) : r;
}

// 1 off the diagonal, 0 on it: (N, N).
Tensor off_diagonal(int64_t n, const Tensor& like) {
  std::vector<double> v(static_cast<size_t>(n * n), 1.0);
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i * n + i)] = 0.0;
  return from_vector(v, {n, n}).to(like.dtype()).to(like.device());
}

Tensor gram(const Tensor& x) {
  return bmm(x, x.transpose(1, 2));
}

// (B, N, N) -> (B, N): the diagonal.
Tensor diagonal(const Tensor& g) {
  const int64_t n = g.size(1);
  return sum(g * (1.0 - off_diagonal(n, g)), {2});
}

// (B, N, N): 0 on the diagonal and where items i and j are closer than the Gram form resolves
// (|x_i - x_j|^2 below 64 epsilon of the dtype times |x_i|^2 + |x_j|^2: cancellation noise), 1
// elsewhere. The direct form gives exact duplicates a zero difference vector, so angles at such
// pairs are 0 there too. From the values, without a gradient.
Tensor resolved_pairs(const Tensor& len2, const Tensor& gd) {
  const double rel = 64 * (len2.dtype() == DType::f64 ? std::numeric_limits<double>::epsilon()
                                                      : std::numeric_limits<float>::epsilon());
  const int64_t b = len2.size(0), n = len2.size(1);
  const std::vector<double> l = len2.detach().to(DType::f64).cpu().to_vector<double>();
  const std::vector<double> g = gd.detach().to(DType::f64).cpu().to_vector<double>();
  std::vector<double> m(l.size(), 0.0);
  for (int64_t s = 0; s < b; ++s)
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j) {
        const size_t k = static_cast<size_t>((s * n + i) * n + j);
        const double gi = g[static_cast<size_t>(s * n + i)], gj = g[static_cast<size_t>(s * n + j)];
        m[k] = i != j && l[k] > rel * (gi + gj) ? 1.0 : 0.0;
      }
  return from_vector(m, {b, n, n}).to(len2.dtype()).to(len2.device());
}

}  // namespace

Tensor pairwise_distances(const Tensor& x) {
  const Tensor s = as_sets(x, "pairwise_distances");
  const Tensor sq = sum(s * s, {2});
  const Tensor d2 = sq.unsqueeze(2) + sq.unsqueeze(1) - gram(s) * 2.0;
  const Tensor d = sqrt(clamp(d2, kEps, INFINITY)) * off_diagonal(s.size(1), s);
  return like_input(d, x);
}

Tensor triplet_angles(const Tensor& x) {
  const Tensor s = as_sets(x, "triplet_angles");
  // Centred: the differences are unchanged and the Gram entries smaller, so less cancels.
  const Tensor c = s - mean(s, {1}, true);
  const Tensor g = gram(c);
  const Tensor gd = diagonal(g);
  // a[b, i, j, k] = <x_j - x_i, x_k - x_i>
  const Tensor a = g.unsqueeze(1) - g.unsqueeze(3) - g.unsqueeze(2) + gd.unsqueeze(2).unsqueeze(3);
  const Tensor len2 = gd.unsqueeze(2) + gd.unsqueeze(1) - g * 2.0;  // |x_j - x_i|^2, (B, N, N)
  const Tensor len = sqrt(clamp(len2, kEps * kEps, INFINITY));      // max(|x_j - x_i|, eps)
  const Tensor cos = a / (len.unsqueeze(3) * len.unsqueeze(2));
  const Tensor ok = resolved_pairs(len2, gd);
  return like_input(clamp(cos, -1.0, 1.0) * (ok.unsqueeze(3) * ok.unsqueeze(2)), x);
}

Tensor triplet_angles_direct(const Tensor& x) {
  const Tensor s = as_sets(x, "triplet_angles_direct");
  const int64_t b = s.size(0), n = s.size(1), d = s.size(2);
  const Tensor diff = s.unsqueeze(1) - s.unsqueeze(2);  // [b, i, j] = x_j - x_i
  const Tensor len = sqrt(clamp(sum(diff * diff, {3}, true), kEps * kEps, INFINITY));
  const Tensor e = (diff / len).reshape({b * n, n, d});
  return like_input(bmm(e, e.transpose(1, 2)).reshape({b, n, n, n}), x);
}

Tensor rkd_distance_loss(const Tensor& student, const Tensor& teacher) {
  GANLITE_CHECK(student.shape() == teacher.shape(), "rkd_distance_loss: student ",
                student.shape_str(), " and teacher ", teacher.shape_str(), " differ");
  // Every off-diagonal distance is positive (squares floored at eps): the mean of the positive
  // entries is the sum over N (N - 1).
  auto normalised = [](const Tensor& d) {
    const int64_t n = d.size(-1);
    const std::vector<int64_t> last{d.dim() - 2, d.dim() - 1};
    return d / (sum(d, last, true) / static_cast<double>(n * (n - 1)));
  };
  Tensor t;
  {
    NoGradGuard ng;
    t = normalised(pairwise_distances(teacher.detach()));
  }
  return smooth_l1_loss(normalised(pairwise_distances(student)), t, 1.0);
}

Tensor rkd_angle_loss(const Tensor& student, const Tensor& teacher) {
  GANLITE_CHECK(student.shape() == teacher.shape(), "rkd_angle_loss: student ", student.shape_str(),
                " and teacher ", teacher.shape_str(), " differ");
  Tensor t;
  {
    NoGradGuard ng;
    t = triplet_angles(teacher.detach());
  }
  return smooth_l1_loss(triplet_angles(student), t, 1.0);
}

Tensor rkd_loss(const Tensor& student, const Tensor& teacher) {
  return rkd_distance_loss(student, teacher) + rkd_angle_loss(student, teacher) * 2.0;
}

namespace {

void check_images(const Tensor& x, const char* who) {
  GANLITE_CHECK(x.defined() && x.dim() == 4, who, ": expects images (B, C, H, W), got ",
                x.defined() ? x.shape_str() : std::string("an undefined tensor"));
}

}  // namespace

Tensor slice_rows(const Tensor& x) {
  check_images(x, "slice_rows");
  return x.permute({0, 2, 1, 3}).reshape({x.size(0), x.size(2), x.size(1) * x.size(3)});
}

Tensor slice_columns(const Tensor& x) {
  check_images(x, "slice_columns");
  return x.permute({0, 3, 1, 2}).reshape({x.size(0), x.size(3), x.size(1) * x.size(2)});
}

Tensor slice_patches(const Tensor& x, int64_t p) {
  check_images(x, "slice_patches");
  const int64_t b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  GANLITE_CHECK(p >= 1 && h % p == 0 && w % p == 0, "slice_patches: images ", x.shape_str(),
                " do not split into ", p, "x", p, " patches (H and W must be multiples of it)");
  return x.reshape({b, c, h / p, p, w / p, p})
      .permute({0, 2, 4, 1, 3, 5})
      .reshape({b, (h / p) * (w / p), c * p * p});
}

}  // namespace ganlite::compress
