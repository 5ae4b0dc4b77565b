// The op-case table: every op in engine/op_list.h has cases here (shapes with broadcasting,
// size-1 dims, non-contiguous views, odd sizes), each gradient-checked in float64. Families add
// their cases from tests/cases/<family>.cpp through a static registrar.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "engine/ops.h"

namespace ganlite::test {

enum class View { plain, transposed, sliced };

struct InputSpec {
  Shape shape;
  double lo = -1.0, hi = 1.0;
  View view = View::plain;  // transposed: last two dims swapped in storage; sliced: a narrow view
};

struct OpCase {
  std::string op;    // an entry of op_list.h
  std::string name;  // unique, says what the case exercises
  std::vector<InputSpec> inputs;
  std::function<Tensor(const std::vector<Tensor>&)> fn;
  double atol = 1e-5, rtol = 1e-3;
  double eps = 1e-6;  // larger only where the op itself rounds (casts through f32)
};

std::vector<OpCase>& op_cases();

struct CaseRegistrar {
  explicit CaseRegistrar(std::vector<OpCase> cases) {
    for (auto& c : cases) op_cases().push_back(std::move(c));
  }
};

}  // namespace ganlite::test
