// The op table is complete: every op in engine/op_list.h has a case, every case names a real op,
// and every case passes the float64 gradient check; every case of an op with a double backward
// (GANLITE_DOUBLE_BACKWARD) passes the second-order check too, and its differentiable backward
// gives the fast backward's first-order gradients.
#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "engine/op_list.h"
#include "gradcheck.h"

using namespace ganlite;
using namespace ganlite::test;

TEST_CASE("every op in op_list.h has at least one case", "[optable]") {
  std::map<std::string, int> count;
  for (const OpCase& c : op_cases()) count[c.op]++;
  std::string missing;
  for (int i = 0; i < kNumOps; ++i)
    if (!count.count(kOpNames[i])) missing += std::string(" ") + kOpNames[i];
  INFO("ops without a case:" << missing);
  CHECK(missing.empty());
}

TEST_CASE("every case names an op of op_list.h and is unique", "[optable]") {
  std::set<std::string> ops(kOpNames, kOpNames + kNumOps), names;
  for (const OpCase& c : op_cases()) {
    INFO("case " << c.name << " of op " << c.op);
    CHECK(ops.count(c.op) == 1);
    CHECK(names.insert(c.name).second);
  }
}

TEST_CASE("every op case passes the float64 gradient check", "[optable][gradcheck]") {
  REQUIRE(!op_cases().empty());
  for (const OpCase& c : op_cases()) {
    GradcheckResult r = gradcheck(c);
    INFO("case " << c.name << " (op " << c.op << "), max abs err " << r.max_abs_err << "\n"
                 << r.report);
    CHECK(r.ok);
  }
}

TEST_CASE("every op case runs in float32 with the same result as float64", "[optable]") {
  for (const OpCase& c : op_cases()) {
    CaseInputs a = make_inputs(c, DType::f64), b = make_inputs(c, DType::f32);
    std::vector<double> y64 = c.fn(a.views).to_vector<double>();
    std::vector<double> y32 = c.fn(b.views).to_vector<double>();
    REQUIRE(y64.size() == y32.size());
    double worst = 0;
    for (size_t i = 0; i < y64.size(); ++i)
      worst = std::max(worst, std::abs(y64[i] - y32[i]) / (1.0 + std::abs(y64[i])));
    INFO("case " << c.name << ": worst relative f32/f64 difference " << worst);
    CHECK(worst < 1e-4);
  }
}

namespace {

bool case_has_double_backward(const OpCase& c) {
  for (int i = 0; i < kNumOps; ++i)
    if (c.op == kOpNames[i]) return has_double_backward(static_cast<OpId>(i));
  return false;
}

}  // namespace

TEST_CASE("every op with a double backward has at least one case", "[optable][gradgrad]") {
  std::set<std::string> covered;
  for (const OpCase& c : op_cases())
    if (case_has_double_backward(c)) covered.insert(c.op);
  std::string missing;
  for (int i = 0; i < kNumOps; ++i)
    if (has_double_backward(static_cast<OpId>(i)) && !covered.count(kOpNames[i]))
      missing += std::string(" ") + kOpNames[i];
  INFO("ops declaring a double backward without a case:" << missing);
  CHECK(missing.empty());
}

TEST_CASE("every case of an op with a double backward passes the float64 second-order check",
          "[optable][gradgrad]") {
  int checked = 0;
  for (const OpCase& c : op_cases()) {
    if (!case_has_double_backward(c)) continue;
    GradcheckResult r = gradgradcheck(c);
    INFO("case " << c.name << " (op " << c.op << "), max abs err " << r.max_abs_err << "\n"
                 << r.report);
    CHECK(r.ok);
    ++checked;
  }
  CHECK(checked > 0);
}

TEST_CASE("the differentiable backward gives the fast backward's first-order gradients",
          "[optable][gradgrad]") {
  for (const OpCase& c : op_cases()) {
    if (!case_has_double_backward(c)) continue;
    double gap = first_order_gap(c);
    INFO("case " << c.name << " (op " << c.op << "): worst relative difference " << gap);
    CHECK(gap < 1e-10);
  }
}
