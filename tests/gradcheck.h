// Float64 central-difference gradient checks (eps 1e-6) of an op case against autograd, first and
// second order.
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

// Second order, as PyTorch's gradgradcheck: with random v (the output's shape) and u_k (each
// input's), F = sum_k <grad(out, input_k, v), u_k> is built with create_graph, and its gradients
// with respect to every input and v are compared with central differences of F, itself
// evaluated by first-order backwards (the fast kernels), same tolerances as the case.
GradcheckResult gradgradcheck(const OpCase& c);

// The pieces of that check on one device: inputs, v and u drawn from the case's seeds (the same
// numbers on every device).
struct GradGrad {
  const OpCase* c = nullptr;
  std::vector<Tensor> leaves, views, u;
  Tensor v;
  // F; with create_graph differentiable, else from first-order backwards.
  Tensor F(bool create_graph) const;
  // The leaves, then v: what F is differentiated with respect to.
  std::vector<Tensor> wrt() const;
  // dF/d(each of wrt()) through the double backward; undefined where F does not depend on it.
  std::vector<Tensor> analytic() const;
};
GradGrad make_gradgrad(const OpCase& c, DType dtype, Device device = Device::cpu);

// The first-order gradients of the case from its fast backward and from the differentiable one
// (create_graph): the largest relative difference.
double first_order_gap(const OpCase& c);

// The case's inputs as leaves (the bases of views) and as the views the op receives.
struct CaseInputs {
  std::vector<Tensor> leaves, views;
};
// On cuda the draws are the same numbers as on the CPU (same generator counters).
CaseInputs make_inputs(const OpCase& c, DType dtype, Device device = Device::cpu);

}  // namespace ganlite::test
