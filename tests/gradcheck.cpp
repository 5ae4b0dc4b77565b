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

namespace {

// Compares analytic[k] (one vector per tensor in `at`) with central differences of loss() as
// each element of each tensor in `at` moves by +-eps; the first mismatches go to the report.
GradcheckResult compare_numeric(const OpCase& c, const std::vector<Tensor>& at,
                                const std::vector<std::vector<double>>& analytic,
                                const std::function<double()>& loss) {
  GradcheckResult res;
  std::ostringstream rep;
  int shown = 0;
  for (size_t k = 0; k < at.size(); ++k) {
    double* p = at[k].data<double>();
    for (int64_t j = 0; j < at[k].numel(); ++j) {
      double orig = p[j];
      p[j] = orig + c.eps;
      double lp = loss();
      p[j] = orig - c.eps;
      double lm = loss();
      p[j] = orig;
      double numeric = (lp - lm) / (2 * c.eps);
      double err = std::abs(analytic[k][j] - numeric);
      res.max_abs_err = std::max(res.max_abs_err, err);
      if (err > c.atol + c.rtol * std::abs(numeric)) {
        res.ok = false;
        if (shown++ < 5)
          rep << "  input " << k << " element " << j << ": analytic " << analytic[k][j]
              << " numeric " << numeric << "\n";
      }
    }
  }
  res.report = rep.str();
  return res;
}

std::vector<double> values_or_zeros(const Tensor& g, const Tensor& like) {
  return g.defined() ? g.to_vector<double>() : std::vector<double>(like.numel(), 0.0);
}

}  // namespace

GradcheckResult gradcheck(const OpCase& c) {
  CaseInputs in = make_inputs(c, DType::f64);
  Tensor out = c.fn(in.views);
  Generator gen(7);
  Tensor r = rand(out.shape(), gen, DType::f64, -1.0, 1.0);
  sum(out * r).backward();
  std::vector<std::vector<double>> analytic;
  for (const Tensor& leaf : in.leaves) analytic.push_back(values_or_zeros(leaf.grad(), leaf));
  return compare_numeric(c, in.leaves, analytic, [&]() {
    NoGradGuard ng;
    return sum(c.fn(in.views) * r).item();
  });
}

GradGrad make_gradgrad(const OpCase& c, DType dtype, Device device) {
  GradGrad gg;
  gg.c = &c;
  CaseInputs in = make_inputs(c, dtype, device);
  gg.leaves = in.leaves;
  gg.views = in.views;
  Generator gen(11);
  Shape out_shape;
  {
    NoGradGuard ng;
    out_shape = c.fn(in.views).shape();
  }
  gg.v = rand(out_shape, gen, dtype, -1.0, 1.0, device);
  gg.v.requires_grad_(true);
  for (const Tensor& leaf : in.leaves)
    gg.u.push_back(rand(leaf.shape(), gen, dtype, -1.0, 1.0, device));
  return gg;
}

// The graph is retained: the input views' nodes are shared by every evaluation.
Tensor GradGrad::F(bool create_graph) const {
  std::vector<Tensor> gs = grad({c->fn(views)}, leaves, {v}, /*retain_graph=*/true,
                                /*allow_unused=*/true, create_graph);
  Tensor f = zeros({}, v.dtype(), v.device());
  for (size_t k = 0; k < gs.size(); ++k)
    if (gs[k].defined()) f = f + sum(gs[k] * u[k]);
  return f;
}

std::vector<Tensor> GradGrad::wrt() const {
  std::vector<Tensor> at = leaves;
  at.push_back(v);
  return at;
}

std::vector<Tensor> GradGrad::analytic() const {
  Tensor f = F(true);
  if (!f.requires_grad()) return std::vector<Tensor>(leaves.size() + 1);
  return grad({f}, wrt(), {}, /*retain_graph=*/true, /*allow_unused=*/true);
}

GradcheckResult gradgradcheck(const OpCase& c) {
  GradGrad gg = make_gradgrad(c, DType::f64);
  std::vector<Tensor> at = gg.wrt(), second = gg.analytic();
  std::vector<std::vector<double>> analytic;
  for (size_t k = 0; k < at.size(); ++k) analytic.push_back(values_or_zeros(second[k], at[k]));
  return compare_numeric(c, at, analytic, [&]() { return gg.F(false).item(); });
}

double first_order_gap(const OpCase& c) {
  CaseInputs in = make_inputs(c, DType::f64);
  Tensor out = c.fn(in.views);
  Generator gen(13);
  Tensor v = rand(out.shape(), gen, DType::f64, -1.0, 1.0);
  std::vector<Tensor> fast = grad({out}, in.leaves, {v}, /*retain_graph=*/true, true);
  std::vector<Tensor> ops = grad({out}, in.leaves, {v}, false, true, /*create_graph=*/true);
  double worst = 0;
  for (size_t k = 0; k < fast.size(); ++k) {
    std::vector<double> a = values_or_zeros(fast[k], in.leaves[k]);
    std::vector<double> b = values_or_zeros(ops[k], in.leaves[k]);
    for (size_t j = 0; j < a.size(); ++j)
      worst = std::max(worst, std::abs(a[j] - b[j]) / (1.0 + std::abs(a[j])));
  }
  return worst;
}

}  // namespace ganlite::test
