// Float64 central-difference gradient check (eps 1e-6) of an op case against autograd.
#pragma once
#include <string>

#include "op_cases.h"

namespace ganlite::test {

struct GradcheckResult {
  bool ok = true;
  std::string report;  // first mismatches, with the input, element and both values
  double max_abs_err = 0;
};

// Builds the case's inputs (seeded from its name), then compares d(sum(out * r))/d(input) from
// backward() with central differences, |analytic - numeric| <= atol + rtol * |numeric|.
GradcheckResult gradcheck(const OpCase& c);

// The case's inputs as leaves (the bases of views) and as the views the op receives.
struct CaseInputs {
  std::vector<Tensor> leaves, views;
};
// On cuda the draws are the same numbers as on the CPU (same generator counters).
CaseInputs make_inputs(const OpCase& c, DType dtype, Device device = Device::cpu);

}  // namespace ganlite::test
