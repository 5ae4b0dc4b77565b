// CPU-vs-CUDA comparisons shared by the CUDA tests (see parity.h).
#include "parity.h"

#include <catch2/catch.hpp>
#include <cmath>

#include "../gradcheck.h"
#include "engine/random.h"

namespace ganlite::test {

double worst(const std::vector<double>& a, const std::vector<double>& b, Tol t, int64_t* at) {
  double w = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    double r = std::abs(a[i] - b[i]) / (t.atol + t.rtol * std::abs(a[i]));
    if (!(r <= w)) {
      w = std::isnan(r) ? INFINITY : r;
      *at = static_cast<int64_t>(i);
    }
  }
  return w;
}

void check_parity(const OpCase& c, DType dt, Tol tol) {
  INFO("case " << c.name << " (op " << c.op << "), " << dtype_name(dt));
  CaseInputs a = make_inputs(c, dt, Device::cpu), b = make_inputs(c, dt, Device::cuda);
  Tensor ya = c.fn(a.views), yb = c.fn(b.views);
  REQUIRE(yb.device() == Device::cuda);
  REQUIRE(ya.shape() == yb.shape());
  int64_t at = -1;
  double w = worst(ya.to_vector<double>(), yb.to_vector<double>(), tol, &at);
  INFO("forward: worst |cuda - cpu| / tolerance " << w << " at element " << at);
  CHECK(w <= 1.0);
  Generator ga(7), gb(7);
  sum(ya * rand(ya.shape(), ga, dt, -1, 1)).backward();
  sum(yb * rand(yb.shape(), gb, dt, -1, 1, Device::cuda)).backward();
  for (size_t k = 0; k < a.leaves.size(); ++k) {
    Tensor g1 = a.leaves[k].grad(), g2 = b.leaves[k].grad();
    REQUIRE(g1.defined() == g2.defined());
    if (!g1.defined()) continue;
    CHECK(g2.device() == Device::cuda);
    double wg = worst(g1.to_vector<double>(), g2.to_vector<double>(), tol, &at);
    INFO("gradient of input " << k << ": worst ratio " << wg << " at element " << at);
    CHECK(wg <= 1.0);
  }
}

void check_gradgrad_parity(const OpCase& c, DType dt, Tol tol) {
  INFO("case " << c.name << " (op " << c.op << "), second order, " << dtype_name(dt));
  std::vector<Tensor> a = make_gradgrad(c, dt, Device::cpu).analytic();
  std::vector<Tensor> b = make_gradgrad(c, dt, Device::cuda).analytic();
  REQUIRE(a.size() == b.size());
  for (size_t k = 0; k < a.size(); ++k) {
    // A gradient that is identically zero may be undefined on one side only.
    if (!a[k].defined() || !b[k].defined()) {
      Tensor g = a[k].defined() ? a[k] : b[k];
      if (g.defined()) CHECK(norm_of(g) == 0.0);
      continue;
    }
    CHECK(b[k].device() == Device::cuda);
    int64_t at = -1;
    double w = worst(a[k].to_vector<double>(), b[k].to_vector<double>(), tol, &at);
    INFO("dF/d(" << (k + 1 == a.size() ? std::string("v") : "input " + std::to_string(k))
                 << "): worst |cuda - cpu| / tolerance " << w << " at element " << at);
    CHECK(w <= 1.0);
  }
}

double norm_of(const Tensor& a) {
  double s = 0;
  for (double v : a.to_vector<double>()) s += v * v;
  return std::sqrt(s);
}

double dist(const Tensor& a, const Tensor& b) {
  return norm_of(a.to(Device::cpu).to(DType::f64) - b.to(Device::cpu).to(DType::f64));
}

}  // namespace ganlite::test
