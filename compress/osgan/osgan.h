// OSGAN: one-stage GAN training by gradient decomposition (Shen et al., "Training Generative
// Adversarial Networks in One Stage", CVPR 2021; techniques.md §4). One forward of G, one of D
// and one backward give D the gradient of L_D and G the gradient of L_G: an identity op between
// G's output and D's input negates (symmetric losses) or rescales per sample (asymmetric losses,
// γ_i = (∂ℓ_G,i/∂d_i) / (∂ℓ_fake,i/∂d_i)) the gradient on its way back into G. The maths and how
// it maps to this code: docs/techniques/osgan.md.
#pragma once
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "gan/train/losses.h"
#include "gan/train/trainer.h"
#include "nn/module.h"
#include "nn/optim.h"

namespace ganlite::compress {

// symmetric: L_G = -(D's fake term), one global -1 on G's gradient (exact for wgan; for other
// losses G then plays the minimax game, e.g. the saturating G loss of vanilla).
// asymmetric: the per-sample ratio γ_i, exact for every loss of gan/train/losses.h.
enum class OsganMode { symmetric, asymmetric };
const char* osgan_mode_name(OsganMode mode);
// techniques.md §4: a loss is symmetric when g_loss(d) = -(D's fake term)(d) up to a constant;
// of our losses only wgan (mean(d) vs -mean(d)) is. lsgan, vanilla (non-saturating) and hinge
// (-mean(d) vs mean(relu(1 + d))) are asymmetric.
bool gan_mode_is_symmetric(gan::GanMode mode);
OsganMode osgan_auto_mode(gan::GanMode mode);

// technique.params (declared in osgan_technique.cpp, validated by gan::resolve_spec):
//   mode    "auto" (symmetric for wgan, asymmetric otherwise) | "symmetric" | "asymmetric"
//   clip_d  >= 0: after each step clamp D's parameters to [-clip_d, clip_d] (the WGAN weight
//           clipping of OSGAN's WGAN recipe; the spec refuses lambda_gp > 0); 0 = off
struct OsganParams {
  std::string mode = "auto";
  double clip_d = 0;
};
// The params of a resolved spec.
OsganParams osgan_params(const nlohmann::json& resolved_spec);
// The mode params.mode resolves to for the spec's loss.
OsganMode resolve_osgan_mode(const std::string& mode, gan::GanMode loss);

// Where D mixes the samples of a batch (a per-sample gradient ratio is then not exact): a
// description naming the layer by its dotted name, e.g. "layer 'main.3' (BatchNorm2d in
// training mode)", or "" when every sample's logit depends on that sample only. Known couplers:
// BatchNorm2d / ConditionalBatchNorm2d using batch statistics, StyleGAN2's minibatch stddev.
std::string find_sample_coupling(nn::Module& D);
// Throws when find_sample_coupling finds one, suggesting GroupNorm; `who` opens the message.
void check_per_sample(nn::Module& D, const std::string& who);

using gan::GanBatch;  // one step's inputs (gan/train/steps.h)
using gan::GanFns;    // G and D as the step calls them

struct OsganOptions {
  OsganMode mode = OsganMode::asymmetric;
  // One D forward on cat(real, fake); false runs D on real and fake separately (still one
  // backward), which keeps a batch-statistics D (BatchNorm) seeing the batches that two-stage
  // training shows it. Set from find_sample_coupling(D).empty().
  bool concat = true;
};

struct StepStats {
  double loss_D = 0;  // d_loss(mode, D(real), D(fake))
  double loss_G = 0;  // the loss G descends: g_loss (asymmetric), -(D's fake term) (symmetric)
  double d_real = 0, d_fake = 0;  // mean logits
  int64_t dead = 0;  // asymmetric: fake samples with ∂ℓ_fake/∂d_i = 0 (γ_i set to 0)
  // The trainer's names (d_loss, d_real, d_fake, g_loss) plus osgan_dead.
  gan::Scalars scalars() const;
};

// γ_i = (∂ℓ_G,i/∂d_i) / (∂ℓ_fake,i/∂d_i) for fake logits (N) or (N, 1, ...) holding one logit
// per sample, from two first-order grad() calls through gan::g_loss and gan::gan_loss(fake)
// w.r.t. a detached copy of the logits (so the numerics are those of the two-stage backward).
// Where ∂ℓ_fake,i/∂d_i is 0 (hinge with d_i <= -1; lsgan with d_i = 0) or the ratio is not
// finite (vanilla with d_i < -87 in f32), γ_i = 0: that sample then gives G no gradient
// (docs/techniques/osgan.md); `dead`, when given, receives their count. Returns (N), the logits'
// dtype and device.
Tensor osgan_gamma(gan::GanMode mode, const Tensor& fake_logits, int64_t* dead = nullptr);

// The identity ops between G and D. negate_grad: backward -g. scale_grad_per_sample: backward
// g_i * (*gamma)[i] for each sample i; gamma (N) is read when backward runs, so it can be filled
// in after D's forward.
Tensor negate_grad(const Tensor& x);
Tensor scale_grad_per_sample(const Tensor& x, std::shared_ptr<const Tensor> gamma);

// One-stage: one forward of G, one of D (see OsganOptions::concat), one backward of L_D. D's
// parameters receive ∇L_D and G's ∇L_G, accumulated into .grad like backward() (zero them
// first). Asymmetric mode needs one logit per sample (an error says so otherwise: a PatchGAN
// map has a ratio per logit, which one per-sample scaling of the image gradient cannot express).
StepStats osgan_backward(const GanFns& nets, gan::GanMode mode, const OsganOptions& options,
                         const GanBatch& batch);
// zero_grad both, osgan_backward, then opt_D.step() and opt_G.step() (both from gradients taken
// against the same D), then D's clipping when clip_d > 0.
StepStats osgan_step(const GanFns& nets, nn::Optimizer& opt_G, nn::Optimizer& opt_D,
                     gan::GanMode mode, const OsganOptions& options, const GanBatch& batch,
                     double clip_d = 0);

// The two-stage reference: gan::generation_step, the trainer's own generation step, without
// optimizers, so D is not updated between its D part and its G part. D's parameters (d_params,
// frozen for the G part) receive ∇L_D with the fake batch detached, G's ∇L_G.
StepStats two_stage_backward(const GanFns& nets, gan::GanMode mode, const GanBatch& batch,
                             const std::vector<Tensor>& d_params);

// Clamps every tensor to [-c, c] in place (WGAN weight clipping).
void clip_parameters(const std::vector<Tensor>& params, double c);

// The technique: technique.name "osgan" (registered in osgan_technique.cpp, whose check refuses
// tasks other than generation). setup checks (asymmetric mode) that D is per-sample; step
// replaces the task's step with osgan_step on the run's G and D.
class OsganTechnique : public gan::Technique {
 public:
  explicit OsganTechnique(OsganParams params) : params_(std::move(params)) {}
  std::string name() const override { return "osgan"; }
  void setup(gan::Run& run) override;
  bool step(gan::Run& run, const data::Batch& batch, gan::Scalars& log) override;
  OsganMode mode() const { return options_.mode; }
  bool concat() const { return options_.concat; }

 private:
  OsganParams params_;
  OsganOptions options_;
  bool ready_ = false;
};

}  // namespace ganlite::compress
