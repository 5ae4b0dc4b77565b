// CPU-vs-CUDA parity over the op-case table: every case runs in f32 on both devices from the
// same inputs (the generator gives the same numbers on both), and the outputs and the gradients
// of sum(out * r) with respect to every input must agree within the op's tolerance below.
#include <catch2/catch.hpp>
#include <map>

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
      {"masked_conv2d", {1e-5, 1e-4}},  // conv2d's sums over mask-scaled weights
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

}  // namespace

TEST_CASE("every op case gives the CPU result on CUDA, forward and backward",
          "[cuda][parity][shared]") {
  REQUIRE(!op_cases().empty());
  for (const OpCase& c : op_cases()) check_parity(c, DType::f32, tolerance(c.op));
}
