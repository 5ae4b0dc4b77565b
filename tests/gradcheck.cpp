// Gradient checking by central differences on the leaves behind each input view.
#include "gradcheck.h"

#include <cmath>
#include <sstream>

#include "engine/autograd.h"
#include "engine/random.h"

namespace ganlite::test {

std::vector<OpCase>& op_cases() {
  static std::vector<OpCase> cases;
  return cases;
}

CaseInputs make_inputs(const OpCase& c, DType dtype, Device device) {
  Generator gen(std::hash<std::string>{}(c.name));
  CaseInputs in;
  for (const InputSpec& s : c.inputs) {
    Shape base = s.shape;
    int64_t r = static_cast<int64_t>(base.size());
    if (s.view == View::transposed && r >= 2) std::swap(base[r - 1], base[r - 2]);
    if (s.view == View::sliced && r >= 1) base[r - 1] += 3;
    Tensor leaf = rand(base, gen, dtype, s.lo, s.hi, device);
    leaf.requires_grad_(true);
    Tensor v = leaf;
    if (s.view == View::transposed && r >= 2) v = leaf.transpose(r - 1, r - 2);
    if (s.view == View::sliced && r >= 1) v = leaf.slice(r - 1, 1, s.shape[r - 1]);
    in.leaves.push_back(leaf);
    in.views.push_back(v);
  }
  return in;
}

GradcheckResult gradcheck(const OpCase& c) {
  const double eps = c.eps;
  GradcheckResult res;
  CaseInputs in = make_inputs(c, DType::f64);
  Tensor out = c.fn(in.views);
  Generator gen(7);
  Tensor r = rand(out.shape(), gen, DType::f64, -1.0, 1.0);
  sum(out * r).backward();

  auto loss = [&]() {
    NoGradGuard ng;
    return sum(c.fn(in.views) * r).item();
  };
  std::ostringstream rep;
  int shown = 0;
  for (size_t k = 0; k < in.leaves.size(); ++k) {
    Tensor leaf = in.leaves[k];
    Tensor g = leaf.grad();
    std::vector<double> analytic =
        g.defined() ? g.to_vector<double>() : std::vector<double>(leaf.numel(), 0.0);
    double* p = leaf.data<double>();
    for (int64_t j = 0; j < leaf.numel(); ++j) {
      double orig = p[j];
      p[j] = orig + eps;
      double lp = loss();
      p[j] = orig - eps;
      double lm = loss();
      p[j] = orig;
      double numeric = (lp - lm) / (2 * eps);
      double err = std::abs(analytic[j] - numeric);
      res.max_abs_err = std::max(res.max_abs_err, err);
      if (err > c.atol + c.rtol * std::abs(numeric)) {
        res.ok = false;
        if (shown++ < 5)
          rep << "  input " << k << " element " << j << ": analytic " << analytic[j] << " numeric "
              << numeric << "\n";
      }
    }
  }
  res.report = rep.str();
  return res;
}

}  // namespace ganlite::test
