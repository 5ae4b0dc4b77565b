// The tasks' training steps. The steps follow the reference trainers: the DCGAN/SNGAN alternating
// step (one fake batch, D on it detached, then G through the updated D),
// pytorch-CycleGAN-and-pix2pix's CycleGANModel.optimize_parameters (G_A and G_B together with
// both D frozen, then D_A and D_B on pooled fakes, each loss halved) and Pix2PixModel's (D on
// cat(A, B) pairs, halved, then G with the GAN and L1 terms). The generation step is written once
// (generation_step) and called by the trainer, by OSGAN's two-stage reference and by
// `ganlite bench model`, so what those compare against is what training runs.
#pragma once
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "engine/tensor.h"
#include "gan/train/losses.h"
#include "nn/capture.h"
#include "nn/data/loader.h"
#include "nn/module.h"
#include "nn/optim.h"

namespace ganlite::gan {

class Run;
class Technique;

// Named scalars of one step (losses, accuracies), in the order they are printed.
using Scalars = std::vector<std::pair<std::string, double>>;

// A generator and the discriminator that judges it, as a step calls them; labels are undefined
// when unconditional (they reach conditional layers through nn::set_labels).
struct GanFns {
  std::function<Tensor(const Tensor& z, const Tensor& labels)> generate;
  std::function<Tensor(const Tensor& x, const Tensor& labels)> discriminate;
};
// net(x) with the labels set on its label-conditioned layers first (when defined).
Tensor forward_with_labels(nn::Module& net, const Tensor& x, const Tensor& labels);
// GanFns over two modules (forward_with_labels).
GanFns gan_fns(nn::Module& G, nn::Module& D);

// One generation step's inputs: real images with their labels (for a projection D; else
// undefined), and the latent z and sampled labels the fake batch is generated from.
struct GanBatch {
  Tensor real, real_labels, z, labels;
};

// Which of a run's networks a task step trains: G (G_A), D (D_A; judges G's output), and for
// unpaired tasks G2 (G_B) and D2 (D_B). A technique runs the task's step on networks of its own
// (an online teacher pair) by naming them here.
struct Roles {
  std::string G = "G", D = "D", G2 = "G2", D2 = "D2";
};

// What a step computed, for a technique's loss hooks. In the D part the fakes are detached and
// the logits attached to D's graph; in the G part the fakes are attached to G's graph.
struct StepTensors {
  Roles roles;
  Tensor real_a;       // the data batch's images (generation: the real images)
  Tensor real_b;       // paired/unpaired partner images; undefined for generation
  Tensor real_labels;  // generation with a conditional G: the real images' labels
  Tensor z, labels;    // generation: the latent and sampled labels of the fake batch
  Tensor fake;         // generation: G(z); translation: G(real_a), the fake B
  Tensor fake_a;       // unpaired: G2(real_b), the fake A
  // D part: logits of the role D (D_A) on real and fake images (unpaired: the pooled fakes).
  Tensor real_logits, fake_logits;
  // Feature captures the technique asked for (Technique::captures), by network name, alive for
  // the whole step: every call of the captured submodules, in order.
  std::map<std::string, const nn::FeatureCapture*> features;
};

// (the step's tensors, the task's loss, the log) -> the loss to optimise: the task's, with terms
// added, or a replacement. May log scalars.
using LossHook = std::function<Tensor(StepTensors& t, const Tensor& task_loss, Scalars& log)>;

// The alternating generation step on one G/D pair: fake = G(z); D's loss on real and sg(fake),
// backward, D's update; then with d_params frozen G's loss through D, backward, G's update. With
// no optimizers nothing is zeroed or stepped, so the gradients of both parts accumulate into
// .grad against the same D (OSGAN's reference). Logs d_loss, d_real, d_fake, g_loss (plus what
// the hooks log).
struct GenerationStep {
  GanFns nets;
  std::vector<Tensor> d_params;  // frozen for G's part (nn::FreezeScope)
  GanMode mode = GanMode::lsgan;
  std::vector<nn::Optimizer*> opt_D, opt_G;  // each part zeroes, then steps, these
  LossHook d_hook, g_hook;                   // may be empty
  // Gradient penalties (gan/train/penalties.h), all off by default. D's loss gains r1_weight *
  // R1 on the real batch (D judging it with the images requiring grad: the same logits serve
  // the adversarial loss) and gp_weight * WGAN-GP at interpolates drawn from *gp_gen (logged
  // "r1", "gp"); G's loss gains g_reg's term (the path length), before the hooks.
  double r1_weight = 0, gp_weight = 0;
  Generator* gp_gen = nullptr;
  std::function<Tensor(Scalars& log)> g_reg;
};
Scalars generation_step(const GenerationStep& step, const GanBatch& batch, StepTensors& t);
// Its D part on a fake batch made already (detached here): D's loss on real and sg(fake), with
// the step's penalties and hook, backward, D's update (what `bench model --r1` times).
Scalars discriminator_step(const GenerationStep& step, const GanBatch& batch, const Tensor& fake,
                           StepTensors& t);

// The run's task step on the networks `roles` names, with the technique's hooks (its captures,
// g_loss and d_loss; technique may be null): generation draws z and labels from run.gen;
// unpaired reads the image pools of the role D and D2 (Run::pool).
Scalars task_step(Run& run, const data::Batch& batch, Technique* technique,
                  const Roles& roles = {});

// Scalars renamed "<prefix><name>" (a technique logging a second step beside the student's).
Scalars prefixed(const std::string& prefix, const Scalars& s);

}  // namespace ganlite::gan
