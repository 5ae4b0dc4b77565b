// GAN losses as functions of discriminator logits: least squares (Mao et al. 2017, eq. 2 with
// a=0, b=c=1), vanilla with the non-saturating generator loss (Goodfellow et al. 2014, sec. 3),
// hinge (Lim & Ye 2017; Miyato et al. 2018, eq. 16-17) and Wasserstein (Arjovsky et al. 2017,
// eq. 3, without the Lipschitz penalty, which the trainer adds). Means are over every logit, so
// a PatchGAN map of logits is averaged like CycleGAN's GANLoss does.
#pragma once
#include <string>

#include "engine/tensor.h"

namespace ganlite::gan {

enum class GanMode { lsgan, vanilla, hinge, wgan };

// "lsgan", "vanilla", "hinge", "wgan" (CycleGAN's "wgangp" is accepted as wgan); anything else
// is an error that lists the names.
GanMode parse_gan_mode(const std::string& name);
const char* gan_mode_name(GanMode mode);

// CycleGAN's GANLoss(prediction, target_is_real), plus SPADE's for_discriminator switch that the
// hinge loss needs: for the generator (for_discriminator false, target_is_real true) hinge gives
// -mean(prediction) instead of mean(relu(1 - prediction)).
//   lsgan:   mean((p - t)^2), t = 1 real, 0 fake
//   vanilla: mean(BCE-with-logits(p, t))
//   hinge:   D real mean(relu(1 - p)), D fake mean(relu(1 + p)), G -mean(p)
//   wgan:    real -mean(p), fake mean(p)
Tensor gan_loss(GanMode mode, const Tensor& prediction, bool target_is_real,
                bool for_discriminator = true);

// The discriminator's loss: gan_loss(real, true) + gan_loss(fake, false). A plain sum; CycleGAN
// and pix2pix halve it (loss_D = 0.5 * (real + fake)), which the caller does.
Tensor d_loss(GanMode mode, const Tensor& real_logits, const Tensor& fake_logits);
// The generator's loss: gan_loss(fake, true, for_discriminator = false), i.e. lsgan
// mean((p - 1)^2), vanilla mean(softplus(-p)) (non-saturating), hinge and wgan -mean(p).
Tensor g_loss(GanMode mode, const Tensor& fake_logits);
// The generator's loss per logit, whose mean is g_loss (a technique weighting samples, e.g.
// DGL-GAN's dbar term): lsgan (p - 1)^2, vanilla softplus(-p), hinge and wgan -p.
Tensor g_loss_elements(GanMode mode, const Tensor& fake_logits);

}  // namespace ganlite::gan
