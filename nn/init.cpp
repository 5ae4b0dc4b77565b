// Initialisers and the module-tree walk. Orthogonal uses Householder QR in double (Golub & Van
// Loan, "Matrix Computations", 4th ed., Alg. 5.2.1 and 5.1.5 for forming Q), then flips each
// column of Q by the sign of R's diagonal as torch.nn.init.orthogonal_ does, which makes Q the
// unique factor with a positive-diagonal R, so the result does not depend on the QR algorithm.
#include "nn/init.h"

#include <cmath>
#include <utility>
#include <vector>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "engine/random.h"
#include "nn/cond_bn.h"
#include "nn/layers.h"
#include "nn/slim.h"

namespace ganlite::nn {
namespace {

std::pair<int64_t, int64_t> fans(const Tensor& w, const char* who) {
  GANLITE_CHECK(w.defined(), who, ": tensor is undefined");
  GANLITE_CHECK(w.dim() >= 2, who, ": fan in and fan out need a tensor of rank >= 2, got shape ",
                w.shape_str());
  int64_t receptive = 1;
  for (int64_t d = 2; d < w.dim(); ++d) receptive *= w.size(d);
  return {w.size(1) * receptive, w.size(0) * receptive};
}

void write(Tensor& w, const Tensor& src) {
  NoGradGuard ng;
  w.copy_(src);
}

// Householder QR of the m x n matrix A (m >= n) given column-major as at[j * m + i] = A(i, j).
// Returns Q (m x n, same layout) with Q's column k multiplied by sign(R(k, k)).
std::vector<double> orthonormal_columns(std::vector<double> at, int64_t m, int64_t n) {
  std::vector<std::vector<double>> vs(n);  // Householder vectors, v_k acting on rows k..m-1
  std::vector<double> sign(n, 1.0);
  for (int64_t k = 0; k < n; ++k) {
    double* x = &at[k * m];
    double norm = 0;
    for (int64_t i = k; i < m; ++i) norm += x[i] * x[i];
    norm = std::sqrt(norm);
    if (norm == 0) continue;  // a zero column: no reflection, R(k, k) = 0, keep Q's column
    // alpha = -sign(x_k) * ||x|| avoids cancellation in v = x - alpha e_k; then R(k, k) = alpha.
    double alpha = x[k] >= 0 ? -norm : norm;
    sign[k] = alpha > 0 ? 1.0 : -1.0;
    std::vector<double> v(x + k, x + m);
    v[0] -= alpha;
    double vnorm = 0;
    for (double e : v) vnorm += e * e;
    vnorm = std::sqrt(vnorm);
    for (double& e : v) e /= vnorm;
    // Apply H = I - 2 v v^T to the remaining columns k..n-1 (column k becomes alpha e_k).
    for (int64_t j = k; j < n; ++j) {
      double* c = &at[j * m + k];
      double dot = 0;
      for (int64_t i = 0; i < m - k; ++i) dot += v[i] * c[i];
      for (int64_t i = 0; i < m - k; ++i) c[i] -= 2 * dot * v[i];
    }
    vs[k] = std::move(v);
  }
  // Q = H_0 H_1 ... H_{n-1} applied to the first n columns of I, innermost first. H_k..H_{n-1}
  // only touch rows >= k, so columns j < k of I are still unit vectors when H_k is applied.
  std::vector<double> q(m * n, 0.0);
  for (int64_t j = 0; j < n; ++j) q[j * m + j] = 1.0;
  for (int64_t k = n - 1; k >= 0; --k) {
    if (vs[k].empty()) continue;
    const std::vector<double>& v = vs[k];
    for (int64_t j = k; j < n; ++j) {
      double* c = &q[j * m + k];
      double dot = 0;
      for (int64_t i = 0; i < m - k; ++i) dot += v[i] * c[i];
      for (int64_t i = 0; i < m - k; ++i) c[i] -= 2 * dot * v[i];
    }
  }
  for (int64_t j = 0; j < n; ++j)
    for (int64_t i = 0; i < m; ++i) q[j * m + i] *= sign[j];
  return q;
}

}  // namespace

Tensor normal_(Tensor w, double mean, double std) {
  GANLITE_CHECK(w.defined(), "normal_: tensor is undefined");
  GANLITE_CHECK(std >= 0, "normal_: std must be >= 0, got ", std);
  GANLITE_CHECK(is_float(w.dtype()), "normal_: expected a floating tensor, got ",
                dtype_name(w.dtype()));
  write(w, randn(w.shape(), default_generator(), w.dtype(), w.device()) * std + mean);
  return w;
}

Tensor zeros_(Tensor w) {
  GANLITE_CHECK(w.defined(), "zeros_: tensor is undefined");
  NoGradGuard ng;
  w.fill_(0.0);
  return w;
}

Tensor xavier_normal_(Tensor w, double gain) {
  auto [fan_in, fan_out] = fans(w, "xavier_normal_");
  GANLITE_CHECK(fan_in + fan_out > 0, "xavier_normal_: empty tensor of shape ", w.shape_str());
  return normal_(w, 0.0, gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out)));
}

Tensor kaiming_normal_(Tensor w, double a, FanMode mode) {
  auto [fan_in, fan_out] = fans(w, "kaiming_normal_");
  int64_t fan = mode == FanMode::fan_in ? fan_in : fan_out;
  GANLITE_CHECK(fan > 0, "kaiming_normal_: zero fan for shape ", w.shape_str());
  double gain = std::sqrt(2.0 / (1.0 + a * a));
  return normal_(w, 0.0, gain / std::sqrt(static_cast<double>(fan)));
}

Tensor orthogonal_(Tensor w, double gain) {
  GANLITE_CHECK(w.defined(), "orthogonal_: tensor is undefined");
  GANLITE_CHECK(w.dim() >= 2, "orthogonal_: needs a tensor of rank >= 2, got shape ",
                w.shape_str());
  int64_t rows = w.size(0), cols = rows > 0 ? w.numel() / rows : 0;
  if (w.numel() == 0) return w;
  // Draw F (rows x cols) row-major as PyTorch does, then factor A = F, or F^T when rows < cols,
  // so that A is tall. Column-major A is F^T's row-major layout for a tall F, and F's own for a
  // wide one, so no transpose is needed either way.
  // The QR runs on the host (a one-off at initialisation); write() copies the result to w's
  // device.
  std::vector<double> f = randn({rows, cols}, default_generator(), DType::f64).to_vector<double>();
  bool wide = rows < cols;
  int64_t m = wide ? cols : rows, n = wide ? rows : cols;
  std::vector<double> at(m * n);
  if (wide) {
    at = std::move(f);
  } else {
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j) at[j * m + i] = f[i * cols + j];
  }
  std::vector<double> q = orthonormal_columns(std::move(at), m, n);
  // The result W (rows x cols) row-major: Q itself when tall (W(i, j) = q[j * m + i]), Q^T when
  // wide (W(i, j) = Q(j, i) = q[i * m + j], i.e. q as it is).
  std::vector<double> out(rows * cols);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) out[i * cols + j] = q[wide ? i * m + j : j * m + i];
  write(w, from_vector(out, w.shape()) * gain);
  return w;
}

void init_weights(Module& net, const std::string& init_type, double gain) {
  GANLITE_CHECK(std::isfinite(gain) && gain >= 0,
                "init_weights: gain must be finite and >= 0, got ", gain);
  GANLITE_CHECK(init_type == "normal" || init_type == "xavier" || init_type == "kaiming" ||
                    init_type == "orthogonal",
                "init_weights: unknown init_type '", init_type,
                "' (valid: normal, xavier, kaiming, orthogonal)");
  auto weight_init = [&](const Tensor& w) {
    if (init_type == "normal") return normal_(w, 0.0, gain);
    if (init_type == "xavier") return xavier_normal_(w, gain);
    if (init_type == "kaiming") return kaiming_normal_(w, 0.0, FanMode::fan_in);
    return orthogonal_(w, gain);
  };
  auto affine = [&](const Tensor& w, const Tensor& b) {
    if (w.defined()) weight_init(w);
    if (b.defined()) zeros_(b);
  };
  auto norm = [&](const Tensor& w, const Tensor& b) {
    if (w.defined()) normal_(w, 1.0, gain);
    if (b.defined()) zeros_(b);
  };
  // A (num_classes, 2 C) conditional-BN table: gamma columns like a BN weight, beta columns 0.
  auto conditional_norm = [&](const Tensor& table) {
    int64_t c = table.size(1) / 2;
    normal_(table.slice(1, 0, c), 1.0, gain);
    zeros_(table.slice(1, c, c));
  };
  for (auto& [name, m] : net.named_modules()) {
    if (auto* c = dynamic_cast<Conv2d*>(m)) {
      affine(c->weight, c->bias);
    } else if (auto* t = dynamic_cast<ConvTranspose2d*>(m)) {
      affine(t->weight, t->bias);
    } else if (auto* l = dynamic_cast<Linear*>(m)) {
      affine(l->weight, l->bias);
    } else if (auto* bn = dynamic_cast<BatchNorm2d*>(m)) {
      norm(bn->weight, bn->bias);
    } else if (auto* in = dynamic_cast<InstanceNorm2d*>(m)) {
      norm(in->weight, in->bias);
    } else if (auto* gn = dynamic_cast<GroupNorm*>(m)) {
      norm(gn->weight, gn->bias);
    } else if (auto* c = dynamic_cast<SNConv2d*>(m)) {
      affine(c->sn.weight_orig, c->bias);
    } else if (auto* t = dynamic_cast<SNConvTranspose2d*>(m)) {
      affine(t->sn.weight_orig, t->bias);
    } else if (auto* l = dynamic_cast<SNLinear*>(m)) {
      affine(l->sn.weight_orig, l->bias);
    } else if (auto* e = dynamic_cast<SNEmbedding*>(m)) {
      affine(e->sn.weight_orig, Tensor());
    } else if (auto* s = dynamic_cast<SlimLayer*>(m)) {
      affine(s->weight, s->bias);  // the full tensors: every width's slice is a prefix of them
    } else if (auto* cbn = dynamic_cast<ConditionalBatchNorm2d*>(m)) {
      conditional_norm(cbn->embed->weight);
    } else if (auto* scbn = dynamic_cast<SliceableConditionalBatchNorm2d*>(m)) {
      conditional_norm(scbn->embed->weight);
    } else if (auto* head = dynamic_cast<ProjectionHead*>(m)) {
      // Without spectral norm the class embedding is a plain Embedding (visited next, and left
      // alone there); it is a weight like the linear's, so it gets the weight init here.
      if (auto* e = dynamic_cast<Embedding*>(head->embed.get())) affine(e->weight, Tensor());
    }
  }
}

}  // namespace ganlite::nn
