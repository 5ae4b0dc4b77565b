// Batch, instance and group normalisation on (N, C, *) inputs (Ioffe & Szegedy 2015; Ulyanov et
// al. 2016; Wu & He 2018), with PyTorch's semantics: biased variance to normalise, unbiased in the
// running variance, running = (1 - momentum) * running + momentum * batch. All three share the
// kernels of kernels/cpu/norm.h; the forward keeps only mean and rstd per group for the backward.
#include "kernels/cpu/norm.h"

#include "engine/ops/common.h"
#if GANLITE_WITH_CUDA
#include "kernels/cuda/norm.h"
#endif

namespace ganlite {
namespace {

// weight, bias and running statistics are per channel: shape [C] with the input's dtype.
void check_channels(const char* op, const Tensor& x, const Tensor& p, const char* what) {
  if (!p.defined()) return;
  check_float(op, p, what);
  check_same(op, x, p, "input", what);
  GANLITE_CHECK(p.dim() == 1 && p.shape()[0] == x.shape()[1], op, ": ", what, " of shape ",
                p.shape_str(), " does not match the ", x.shape()[1], " channels of input ",
                x.shape_str(), " (want [", x.shape()[1], "])");
}

cpu::NormShape norm_shape(const Tensor& x, int64_t groups, bool per_sample) {
  cpu::NormShape sh;
  sh.n = x.shape()[0];
  sh.c = x.shape()[1];
  sh.s = x.numel() / std::max<int64_t>(sh.n * sh.c, 1);
  sh.groups = groups;
  sh.per_sample = per_sample;
  return sh;
}

Tensor detached_contiguous(const Tensor& t) {
  return t.defined() ? t.detach().contiguous() : t;
}

// Mean and rstd of each group of x (contiguous); var gets the biased variance when defined.
void group_stats(const Tensor& x, const cpu::NormShape& sh, double eps, Tensor& mean, Tensor& rstd,
                 Tensor* var = nullptr) {
  mean = empty({sh.stats()}, x.dtype(), x.device());
  rstd = empty({sh.stats()}, x.dtype(), x.device());
  if (var) *var = empty({sh.stats()}, x.dtype(), x.device());
  dispatch_float(x.dtype(), "norm statistics", [&](auto t) {
    using T = decltype(t);
    GANLITE_KERNEL(x.device(), norm_stats<T>(mean.data<T>(), rstd.data<T>(),
                                             var ? var->data<T>() : nullptr, x.data<T>(), sh, eps));
  });
}

// y = (x - mean) * rstd * weight + bias with the given statistics, and its backward.
// batch_stats says whether mean and rstd depend on x (training) or are constants (eval).
// The backward of normalize with ops on the inputs as they are (its double backward). With
// batch statistics they are recomputed from x as ops, in the grouped layout (N, G, S') for
// per-sample norms and (N, C, S') for batch norm, where the standard formula reads
//   dx = rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat)),  dxhat = g w.
std::vector<Tensor> normalize_grad_ops(const Tensor& g, const Tensor& x, const Tensor& w,
                                       const Tensor& mean_c, const Tensor& rstd_c,
                                       const cpu::NormShape& sh, double eps, bool batch_stats,
                                       bool gx, bool gw, bool gb) {
  Shape per_channel(x.dim(), 1);
  per_channel[1] = sh.c;
  const Tensor dxhat = w.defined() ? g * w.reshape(per_channel) : g;
  const Tensor g3 = g.reshape({sh.n, sh.c, -1});
  Tensor xhat, dx;
  if (batch_stats) {
    const Shape grouped = sh.per_sample ? Shape{sh.n, sh.groups, -1} : Shape{sh.n, sh.c, -1};
    const std::vector<int64_t> dims =
        sh.per_sample ? std::vector<int64_t>{2} : std::vector<int64_t>{0, 2};
    const Tensor xr = x.reshape(grouped);
    const Tensor rstd = pow(var(xr, dims, true, false) + eps, -0.5);
    const Tensor xh = (xr - mean(xr, dims, true)) * rstd;
    xhat = xh.reshape(x.shape());
    if (gx) {
      const Tensor dr = dxhat.reshape(grouped);
      dx = (rstd * (dr - mean(dr, dims, true) - xh * mean(dr * xh, dims, true))).reshape(x.shape());
    }
  } else {
    // Eval batch norm: the running statistics are constants, the norm an affine map of x.
    xhat = (x - mean_c.reshape(per_channel)) * rstd_c.reshape(per_channel);
    if (gx) dx = dxhat * rstd_c.reshape(per_channel);
  }
  return {dx, gw ? sum(g3 * xhat.reshape({sh.n, sh.c, -1}), {0, 2}) : Tensor(),
          gb ? sum(g3, {0, 2}) : Tensor()};
}

// y = act(mask * ((x - mean) * rstd * weight + bias)) with the given statistics (the epilogue
// none and no mask: the plain norm), and its backward; batch_stats says whether mean and rstd
// depend on x (training) or are constants (eval). The plain norm differentiates twice
// (normalize_grad_ops); the fused one once.
Tensor normalize(OpId id, const Tensor& x0, const Tensor& weight0, const Tensor& bias0,
                 const Tensor& mask0, const Tensor& mean, const Tensor& rstd,
                 const cpu::NormShape& sh, double eps, bool batch_stats,
                 const cpu::NormEpilogue& epi = {}) {
  Tensor x = detached_contiguous(x0);
  Tensor w = detached_contiguous(weight0), b = detached_contiguous(bias0);
  Tensor m = detached_contiguous(mask0);
  Tensor y = empty_like(x);
  auto ptr = [](const Tensor& t, auto tag) {
    using T = decltype(tag);
    return t.defined() ? t.data<T>() : static_cast<T*>(nullptr);
  };
  dispatch_float(x.dtype(), op_name(id), [&](auto t) {
    using T = decltype(t);
    GANLITE_KERNEL(x.device(),
                   norm_forward<T>(y.data<T>(), x.data<T>(), mean.data<T>(), rstd.data<T>(),
                                   ptr(w, T()), ptr(b, T()), ptr(m, T()), sh, epi));
  });
  const bool gx = x0.requires_grad();
  const bool gw = weight0.defined() && weight0.requires_grad();
  const bool gb = bias0.defined() && bias0.requires_grad();
  const bool gm = mask0.defined() && mask0.requires_grad();
  const bool fused = m.defined() || epi.act != cpu::NormEpilogue::Act::none;
  BackwardFn twice;
  if (!fused)
    twice = [x0, weight0, mean, rstd, sh, eps, batch_stats, gx, gw, gb](const Tensor& g) {
      std::vector<Tensor> d =
          normalize_grad_ops(g, x0, weight0, mean, rstd, sh, eps, batch_stats, wants_grad(gx, 0),
                             wants_grad(gw, 1), wants_grad(gb, 2));
      d.push_back(Tensor());
      return d;
    };
  record(
      id, y, {x0, weight0, bias0, mask0},
      [x, w, b, m, mean, rstd, sh, batch_stats, epi, ptr, rx = gx, rw = gw, rb = gb,
       rm = gm](const Tensor& g0) {
        const bool gx = wants_grad(rx, 0), gw = wants_grad(rw, 1), gb = wants_grad(rb, 2),
                   gm = wants_grad(rm, 3);
        Tensor g = g0.contiguous();
        Tensor dx = gx ? empty_like(x) : Tensor();
        Tensor dw = gw ? empty({sh.c}, x.dtype(), x.device()) : Tensor();
        Tensor db = gb ? empty({sh.c}, x.dtype(), x.device()) : Tensor();
        Tensor dm = gm ? empty({sh.c}, x.dtype(), x.device()) : Tensor();
        dispatch_float(x.dtype(), "norm backward", [&](auto t) {
          using T = decltype(t);
          GANLITE_KERNEL(
              x.device(),
              norm_backward<T>(ptr(dx, T()), ptr(dw, T()), ptr(db, T()), ptr(dm, T()), g.data<T>(),
                               x.data<T>(), mean.data<T>(), rstd.data<T>(), ptr(w, T()),
                               ptr(b, T()), ptr(m, T()), sh, batch_stats, epi));
        });
        return std::vector<Tensor>{dx, dw, db, dm};
      },
      twice);
  return y;
}

void check_input(const char* op, const Tensor& x, int64_t min_rank, const char* layout) {
  check_float(op, x);
  GANLITE_CHECK(x.dim() >= min_rank, op, ": expected input of shape ", layout, ", got ",
                x.shape_str());
  GANLITE_CHECK(x.numel() > 0, op, ": input of shape ", x.shape_str(), " is empty");
}

// Batch norm's statistics: the batch's in training (the running ones, when given, updated in
// place), the running ones in eval.
void batch_stats(const char* op, const Tensor& x, const cpu::NormShape& sh, Tensor running_mean,
                 Tensor running_var, bool training, double momentum, double eps, Tensor& mean,
                 Tensor& rstd) {
  GANLITE_CHECK(running_mean.defined() == running_var.defined(), op,
                ": running_mean and running_var must be given together");
  if (training) {
    int64_t count = sh.group_count();
    GANLITE_CHECK(count > 1, op, ": expected more than 1 value per channel when training, got ",
                  "input of shape ", x.shape_str());
    Tensor xc = detached_contiguous(x), var;
    group_stats(xc, sh, eps, mean, rstd, &var);
    if (running_mean.defined()) {
      NoGradGuard no_grad;
      // PyTorch keeps the unbiased variance in running_var, though it normalises with the biased.
      double unbias = static_cast<double>(count) / static_cast<double>(count - 1);
      running_mean.copy_(running_mean * (1.0 - momentum) + mean * momentum);
      running_var.copy_(running_var * (1.0 - momentum) + var * (momentum * unbias));
    }
  } else {
    GANLITE_CHECK(running_mean.defined(), op,
                  ": eval mode (training=false) needs running_mean and running_var");
    NoGradGuard no_grad;
    mean = detached_contiguous(running_mean);
    rstd = pow(running_var.detach() + eps, -0.5);
  }
}

// Instance norm's per-sample, per-channel statistics.
void instance_stats(const char* op, const Tensor& x, const cpu::NormShape& sh, double eps,
                    Tensor& mean, Tensor& rstd) {
  GANLITE_CHECK(sh.s > 1, op, ": expected more than 1 spatial element per channel, got input ",
                "of shape ", x.shape_str());
  group_stats(detached_contiguous(x), sh, eps, mean, rstd);
}

}  // namespace

Tensor batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, Tensor running_mean,
                  Tensor running_var, bool training, double momentum, double eps) {
  const char* op = "batch_norm";
  check_input(op, x, 2, "(N, C, *)");
  check_channels(op, x, weight, "weight");
  check_channels(op, x, bias, "bias");
  check_channels(op, x, running_mean, "running_mean");
  check_channels(op, x, running_var, "running_var");
  cpu::NormShape sh = norm_shape(x, x.shape()[1], false);
  Tensor mean, rstd;
  batch_stats(op, x, sh, running_mean, running_var, training, momentum, eps, mean, rstd);
  return normalize(OpId::batch_norm, x, weight, bias, Tensor(), mean, rstd, sh, eps, training);
}

Tensor instance_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps) {
  const char* op = "instance_norm";
  check_input(op, x, 3, "(N, C, *) with at least one spatial dim");
  check_channels(op, x, weight, "weight");
  check_channels(op, x, bias, "bias");
  cpu::NormShape sh = norm_shape(x, x.shape()[1], true);
  Tensor mean, rstd;
  instance_stats(op, x, sh, eps, mean, rstd);
  return normalize(OpId::instance_norm, x, weight, bias, Tensor(), mean, rstd, sh, eps, true);
}

Tensor group_norm(const Tensor& x, int64_t groups, const Tensor& weight, const Tensor& bias,
                  double eps) {
  const char* op = "group_norm";
  check_input(op, x, 2, "(N, C, *)");
  GANLITE_CHECK(groups > 0 && x.shape()[1] % groups == 0, op, ": ", x.shape()[1],
                " channels of input ", x.shape_str(), " are not divisible into ", groups,
                " groups");
  check_channels(op, x, weight, "weight");
  check_channels(op, x, bias, "bias");
  cpu::NormShape sh = norm_shape(x, groups, true);
  Tensor xc = detached_contiguous(x), mean, rstd;
  group_stats(xc, sh, eps, mean, rstd);
  return normalize(OpId::group_norm, x, weight, bias, Tensor(), mean, rstd, sh, eps, true);
}

Tensor norm_mask_act(const Tensor& x, const Tensor& weight, const Tensor& bias, Tensor running_mean,
                     Tensor running_var, const Tensor& mask, const MaskedNorm& o) {
  const char* op = "norm_mask_act";
  const bool batch = o.norm == MaskedNorm::Norm::batch;
  check_input(op, x, batch ? 2 : 3,
              batch ? "(N, C, *)" : "(N, C, *) with at least one spatial dim");
  check_channels(op, x, weight, "weight");
  check_channels(op, x, bias, "bias");
  check_channels(op, x, mask, "mask");
  GANLITE_CHECK(batch || (!running_mean.defined() && !running_var.defined()), op,
                ": instance norm keeps no running statistics");
  check_channels(op, x, running_mean, "running_mean");
  check_channels(op, x, running_var, "running_var");
  cpu::NormShape sh = norm_shape(x, x.shape()[1], !batch);
  Tensor mean, rstd;
  if (batch)
    batch_stats(op, x, sh, running_mean, running_var, o.training, o.momentum, o.eps, mean, rstd);
  else
    instance_stats(op, x, sh, o.eps, mean, rstd);
  cpu::NormEpilogue epi;
  epi.act = o.act == MaskedNorm::Act::relu         ? cpu::NormEpilogue::Act::relu
            : o.act == MaskedNorm::Act::leaky_relu ? cpu::NormEpilogue::Act::leaky_relu
                                                   : cpu::NormEpilogue::Act::none;
  epi.slope = o.slope;
  return normalize(OpId::norm_mask_act, x, weight, bias, mask, mean, rstd, sh, o.eps,
                   !batch || o.training, epi);
}

}  // namespace ganlite
