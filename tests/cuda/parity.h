// What the CUDA tests compare with: the CPU result of the same op case (check_parity), or an f64
// CPU reference measured by norms (norm_of, dist).
#pragma once
#include <cstdint>
#include <vector>

#include "../op_cases.h"

namespace ganlite::test {

// |cuda - cpu| <= atol + rtol |cpu| per element.
struct Tol {
  double atol = 1e-6, rtol = 1e-5;
};

// Worst violation ratio |a - b| / (atol + rtol |a|) and where (*at); NaN counts as a violation.
double worst(const std::vector<double>& a, const std::vector<double>& b, Tol t, int64_t* at);

// Runs the case in `dt` on the CPU and on CUDA from the same inputs (the generator draws the same
// numbers on both); the outputs, and the gradients of sum(out * r) for every input, must agree
// within tol, and the CUDA gradients must stay on the device.
void check_parity(const OpCase& c, DType dt, Tol tol);

// The second-order gradients of the case (gradcheck.h's GradGrad: dF/d inputs and dF/dv) in `dt`
// on the CPU and on CUDA must agree within tol.
void check_gradgrad_parity(const OpCase& c, DType dt, Tol tol);

double norm_of(const Tensor& a);
// The norm of a - b, both taken to f64 on the CPU.
double dist(const Tensor& a, const Tensor& b);

}  // namespace ganlite::test
