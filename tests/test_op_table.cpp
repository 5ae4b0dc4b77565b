// The op table is complete: every op in engine/op_list.h has a case, every case names a real op,
// and every case passes the float64 gradient check.
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
