// CPU-vs-CUDA parity over the op-case table: every case runs in f32 on both devices from the
// same inputs (the generator gives the same numbers on both), and the outputs and the gradients
// of sum(out * r) with respect to every input must agree within the op's tolerance below.
#include <catch2/catch.hpp>
#include <map>

#include "../gradcheck.h"
#include "engine/random.h"

using namespace ganlite;
using namespace ganlite::test;

namespace {

// |cuda - cpu| <= atol + rtol |cpu| per element. Elementwise ops round the same way on both
// devices up to the last bit of exp/log/pow; reductions and products sum in another order, so
// their error grows with the reduction length (at most a few hundred terms in the cases).
struct Tol {
  double atol = 1e-6, rtol = 1e-5;
};
Tol tolerance(const std::string& op) {
  static const std::map<std::string, Tol> table = {
      {"sum", {1e-5, 1e-5}},
      {"mean", {1e-5, 1e-5}},
      {"var", {1e-5, 1e-4}},
      {"matmul", {1e-5, 1e-4}},
      {"bmm", {1e-5, 1e-4}},
      {"linear", {1e-5, 1e-4}},
      {"conv2d", {1e-5, 1e-4}},
      {"conv_transpose2d", {1e-5, 1e-4}},
      {"masked_conv2d", {1e-5, 1e-4}},  // conv2d's sums, then one product per element
      {"unfold", {1e-6, 1e-5}},
      {"batch_norm", {1e-5, 1e-4}},
      {"instance_norm", {1e-5, 1e-4}},
      {"group_norm", {1e-5, 1e-4}},
      {"softmax", {1e-6, 1e-5}},
      {"log_softmax", {1e-5, 1e-5}},
      {"cross_entropy", {1e-5, 1e-5}},
      {"mse_loss", {1e-5, 1e-5}},
      {"l1_loss", {1e-5, 1e-5}},
      {"smooth_l1_loss", {1e-5, 1e-5}},
      {"bce_with_logits", {1e-5, 1e-5}},
      {"hinge_loss", {1e-5, 1e-5}},
      {"avg_pool2d", {1e-6, 1e-5}},
      {"upsample_bilinear2d", {1e-6, 1e-5}},
  };
  auto it = table.find(op);
  return it == table.end() ? Tol{} : it->second;
}

// Worst violation ratio |a - b| / (atol + rtol |a|); NaN counts as a violation.
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

}  // namespace

TEST_CASE("every op case gives the CPU result on CUDA, forward and backward",
          "[cuda][parity][shared]") {
  REQUIRE(!op_cases().empty());
  for (const OpCase& c : op_cases()) {
    INFO("case " << c.name << " (op " << c.op << ")");
    Tol tol = tolerance(c.op);
    CaseInputs a = make_inputs(c, DType::f32, Device::cpu);
    CaseInputs b = make_inputs(c, DType::f32, Device::cuda);
    Tensor ya = c.fn(a.views), yb = c.fn(b.views);
    REQUIRE(yb.device() == Device::cuda);
    REQUIRE(ya.shape() == yb.shape());
    int64_t at = -1;
    double w = worst(ya.to_vector<double>(), yb.to_vector<double>(), tol, &at);
    INFO("forward: worst |cuda - cpu| / tolerance " << w << " at element " << at);
    CHECK(w <= 1.0);
    Generator ga(7), gb(7);
    sum(ya * rand(ya.shape(), ga, DType::f32, -1, 1)).backward();
    sum(yb * rand(yb.shape(), gb, DType::f32, -1, 1, Device::cuda)).backward();
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
}
