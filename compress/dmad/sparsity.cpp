// DMAD's bound schedule and sparsity terms (see sparsity.h).
#include "compress/dmad/sparsity.h"

#include <cmath>

#include "engine/error.h"
#include "engine/ops.h"

namespace ganlite::compress {
namespace {

std::vector<double> values(const Tensor& w) {
  GANLITE_CHECK(w.defined() && w.dim() == 1, "dmad: a mask is a vector of channel weights, got ",
                w.defined() ? w.shape_str() : std::string("an undefined tensor"));
  return w.detach().to(DType::f64).cpu().to_vector<double>();
}

// 1 for the in-band channels of w, 0 elsewhere, as a tensor like w.
Tensor in_band(const Tensor& w, double b) {
  std::vector<double> v = values(w);
  for (double& x : v) x = (x > -b && x < b) ? 1.0 : 0.0;
  return from_vector(v, w.shape()).to(w.dtype()).to(w.device());
}

}  // namespace

double dmad_bound(int64_t step, int64_t total_steps, int64_t updates) {
  GANLITE_CHECK(total_steps > 0 && updates > 0, "dmad_bound: total_steps ", total_steps,
                " and updates ", updates, " must be positive");
  const double horizon = 0.75 * static_cast<double>(total_steps);
  const double k = std::min<double>(
      static_cast<double>(updates),
      std::floor(static_cast<double>(updates) * static_cast<double>(step) / horizon));
  return 1.0 - std::cbrt(k / static_cast<double>(updates));
}

Tensor relu_sparsity(const Tensor& w, double b) {
  return sum((w + b) * in_band(w, b));
}

Tensor bound_sparsity(const Tensor& w, double b) {
  const Tensor d = (b - abs(w)) * in_band(w, b);
  // The norm's root has no derivative at 0 (no channel in the band): the loss is 0 there.
  const Tensor sq = sum(d * d);
  return sq.item() > 0 ? sqrt(sq) : sq;
}

std::vector<double> group_coefficients(const std::vector<Tensor>& members, double b,
                                       double lambda) {
  GANLITE_CHECK(!members.empty(), "group_coefficients: no members");
  const size_t c = static_cast<size_t>(members[0].numel());
  std::vector<int> kept(c, 0), banded(c, 0);
  for (const Tensor& m : members) {
    const std::vector<double> v = values(m);
    GANLITE_CHECK(v.size() == c, "group_coefficients: members of ", c, " and ", v.size(),
                  " channels");
    for (size_t i = 0; i < c; ++i) {
      kept[i] += v[i] >= b;
      banded[i] += v[i] > -b && v[i] < b;
    }
  }
  std::vector<double> coef(c, 0.0);
  for (size_t i = 0; i < c; ++i)
    if (!kept[i] && banded[i])
      coef[i] = lambda * static_cast<double>(members.size()) / static_cast<double>(banded[i]);
  return coef;
}

Tensor group_sparsity(const std::vector<Tensor>& members, const std::vector<double>& coef,
                      double b) {
  Tensor total;
  for (const Tensor& m : members) {
    GANLITE_CHECK(static_cast<size_t>(m.numel()) == coef.size(), "group_sparsity: a member of ",
                  m.numel(), " channels against ", coef.size(), " coefficients");
    const Tensor k = from_vector(coef, m.shape()).to(m.dtype()).to(m.device());
    const Tensor term = sum((m + b) * in_band(m, b) * k);
    total = total.defined() ? total + term : term;
  }
  return total;
}

}  // namespace ganlite::compress
