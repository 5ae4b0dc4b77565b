// GAN losses on logits, composed from the engine's loss ops (engine/ops/loss.cpp), so their
// gradients come from those ops' backward formulas.
#include "gan/train/losses.h"

#include "engine/error.h"
#include "engine/ops.h"

namespace ganlite::gan {

GanMode parse_gan_mode(const std::string& name) {
  if (name == "lsgan") return GanMode::lsgan;
  if (name == "vanilla") return GanMode::vanilla;
  if (name == "hinge") return GanMode::hinge;
  if (name == "wgan" || name == "wgangp") return GanMode::wgan;
  GANLITE_FAIL("gan mode '", name, "' is not one of lsgan, vanilla, hinge, wgan (or wgangp)");
}

const char* gan_mode_name(GanMode mode) {
  switch (mode) {
    case GanMode::lsgan:
      return "lsgan";
    case GanMode::vanilla:
      return "vanilla";
    case GanMode::hinge:
      return "hinge";
    case GanMode::wgan:
      return "wgan";
  }
  return "?";
}

Tensor gan_loss(GanMode mode, const Tensor& p, bool target_is_real, bool for_discriminator) {
  GANLITE_CHECK(p.defined() && is_float(p.dtype()), "gan_loss (", gan_mode_name(mode),
                "): prediction must be a defined f32/f64 tensor");
  GANLITE_CHECK(p.numel() > 0, "gan_loss (", gan_mode_name(mode), "): empty prediction of shape ",
                p.shape_str());
  switch (mode) {
    case GanMode::lsgan:
      return mse_loss(p, full(p.shape(), target_is_real ? 1.0 : 0.0, p.dtype(), p.device()));
    case GanMode::vanilla:
      return bce_with_logits(p, full(p.shape(), target_is_real ? 1.0 : 0.0, p.dtype(), p.device()));
    case GanMode::hinge:
      if (for_discriminator) return hinge_loss(p, target_is_real ? 1.0 : -1.0);
      GANLITE_CHECK(target_is_real, "gan_loss (hinge): the generator's loss needs ",
                    "target_is_real = true");
      return -mean(p);
    case GanMode::wgan:
      return target_is_real ? -mean(p) : mean(p);
  }
  GANLITE_FAIL("gan_loss: unknown mode");
}

Tensor d_loss(GanMode mode, const Tensor& real_logits, const Tensor& fake_logits) {
  return gan_loss(mode, real_logits, true) + gan_loss(mode, fake_logits, false);
}

Tensor g_loss(GanMode mode, const Tensor& fake_logits) {
  return gan_loss(mode, fake_logits, true, false);
}

Tensor g_loss_elements(GanMode mode, const Tensor& p) {
  GANLITE_CHECK(p.defined() && is_float(p.dtype()), "g_loss_elements (", gan_mode_name(mode),
                "): logits must be a defined f32/f64 tensor");
  switch (mode) {
    case GanMode::lsgan: {
      const Tensor d = p - 1.0;
      return d * d;
    }
    case GanMode::vanilla:
      return softplus(-p);
    case GanMode::hinge:
    case GanMode::wgan:
      return -p;
  }
  GANLITE_FAIL("g_loss_elements: unknown mode");
}

}  // namespace ganlite::gan
