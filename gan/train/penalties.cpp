// Gradient penalties (see penalties.h). The inner gradient is taken with create_graph; an op on
// D's path without a double backward stops it with an error naming that op.
#include "gan/train/penalties.h"

#include <cmath>

#include "engine/autograd.h"
#include "engine/error.h"
#include "engine/ops.h"
#include "engine/random.h"

namespace ganlite::gan {
namespace {

// Per-sample squared norms (N) of d sum(logits) / dx.
Tensor input_grad_sq_norms(const char* what, const Tensor& logits, const Tensor& x) {
  GANLITE_CHECK(x.defined() && x.requires_grad(), what,
                ": the input must require grad (x.requires_grad_() before D(x))");
  GANLITE_CHECK(x.dim() >= 2 && logits.defined() && logits.numel() > 0, what,
                ": expected logits of D(x) and a batched x, got logits ",
                logits.defined() ? logits.shape_str() : std::string("undefined"), " and x ",
                x.shape_str());
  Tensor g = grad({sum(logits)}, {x}, {}, /*retain_graph=*/true, /*allow_unused=*/false,
                  /*create_graph=*/true)[0];
  return sum((g * g).reshape({x.size(0), -1}), {1});
}

}  // namespace

Tensor r1_penalty(const Tensor& logits, const Tensor& x) {
  return mean(input_grad_sq_norms("r1_penalty", logits, x));
}

Tensor gradient_penalty(const Tensor& logits, const Tensor& x) {
  // The 1e-16 keeps the norm's gradient finite where D is flat (CycleGAN adds it too).
  Tensor norms = sqrt(input_grad_sq_norms("gradient_penalty", logits, x) + 1e-16);
  Tensor d = norms - 1.0;
  return mean(d * d);
}

Tensor interpolate_for_gp(const Tensor& real, const Tensor& fake, Generator& gen) {
  GANLITE_CHECK(real.shape() == fake.shape(), "interpolate_for_gp: real ", real.shape_str(),
                " and fake ", fake.shape_str(), " must have the same shape");
  Shape per_sample(real.dim(), 1);
  per_sample[0] = real.size(0);
  Tensor t = rand(per_sample, gen, real.dtype(), 0.0, 1.0, real.device());
  Tensor a = real.detach(), b = fake.detach();
  Tensor x;
  {
    NoGradGuard ng;
    x = a + t * (b - a);
  }
  return x.requires_grad_(true);
}

Tensor path_length_penalty(const Tensor& images, const Tensor& ws, Tensor& running_mean,
                           double decay, Generator& gen, double* mean_length) {
  GANLITE_CHECK(images.dim() == 4 && ws.dim() == 3 && ws.size(0) == images.size(0),
                "path_length_penalty: expected images (N, C, H, W) of ws (N, L, w_dim), got ",
                images.shape_str(), " and ", ws.shape_str());
  GANLITE_CHECK(running_mean.defined() && running_mean.numel() == 1,
                "path_length_penalty: the running mean must be a one-element tensor");
  const double pixels = static_cast<double>(images.size(2) * images.size(3));
  Tensor y = randn(images.shape(), gen, images.dtype(), images.device()) / std::sqrt(pixels);
  Tensor g = grad({sum(images * y)}, {ws}, {}, /*retain_graph=*/true, /*allow_unused=*/false,
                  /*create_graph=*/true)[0];
  Tensor lengths = sqrt(mean(sum(g * g, {2}), {1}));
  Tensor a = running_mean.detach().reshape({}) * (1.0 - decay) + mean(lengths) * decay;
  {
    NoGradGuard ng;
    running_mean.copy_(a.detach().reshape(running_mean.shape()));
  }
  if (mean_length) *mean_length = mean(lengths.detach()).item();
  Tensor d = lengths - a;
  return mean(d * d);
}

}  // namespace ganlite::gan
