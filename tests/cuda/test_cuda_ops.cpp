// CPU-vs-CUDA parity over the op-case table: every case runs in f32 on both devices from the
// same inputs (the generator gives the same numbers on both), and the outputs and the gradients
// of sum(out * r) with respect to every input must agree within the op's tolerance below; so must
// the second-order gradients of every op with a double backward (tests/gradcheck.h's GradGrad).
#include <catch2/catch.hpp>
#include <map>

#include "engine/op_list.h"
#include "parity.h"

using namespace ganlite;
using namespace ganlite::test;

namespace {

// |cuda - cpu| <= atol + rtol |cpu| per element. Elementwise ops round the same way on both
// devices up to the last bit of exp/log/pow; reductions and products sum in another order, so
// their error grows with the reduction length (at most a few hundred terms in the cases).
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
      {"unfold", {1e-6, 1e-5}},
      {"batch_norm", {1e-5, 1e-4}},
      {"instance_norm", {1e-5, 1e-4}},
      {"group_norm", {1e-5, 1e-4}},
      {"norm_mask_act", {1e-5, 1e-4}},
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

}  // namespace

TEST_CASE("every op case gives the CPU result on CUDA, forward and backward",
          "[cuda][parity][shared]") {
  REQUIRE(!op_cases().empty());
  for (const OpCase& c : op_cases()) check_parity(c, DType::f32, tolerance(c.op));
}

TEST_CASE("every op case with a double backward gives the CPU's second-order gradients on CUDA",
          "[cuda][parity][gradgrad]") {
  int checked = 0;
  for (const OpCase& c : op_cases()) {
    bool listed = false;
    for (int i = 0; i < kNumOps; ++i)
      if (c.op == kOpNames[i]) listed = has_double_backward(static_cast<OpId>(i));
    if (!listed) continue;
    // Second-order sums run over products of two reductions: twice the first-order tolerance.
    Tol t = tolerance(c.op);
    check_gradgrad_parity(c, DType::f32, {2 * t.atol, 2 * t.rtol});
    ++checked;
  }
  CHECK(checked > 0);
}
