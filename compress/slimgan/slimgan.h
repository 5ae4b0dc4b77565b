// SlimGAN (Hou et al. 2021, "Slimmable Generative Adversarial Networks", eq. 3-6; techniques.md
// sec. 1): one slimmable G trained at every width against one D per width (first blocks shared),
// with stepwise in-place distillation from each width to the next narrower one:
//   L_D  = sum_w E[relu(1 - D_w(x))] + E[relu(1 + D_w(sg(G_w(z_w))))]              (one D step)
//   L_G  = sum_w -E[D_w(G_w(z_w))] + alpha/(K-1) sum_{i<K} MSE(G_wi(z), sg(G_wi+1(z)))  (one G
//   step)
// The steps here work on modules and optimizers, without a gan::Run; technique.cpp plugs them
// into the trainer. docs/techniques/slimgan.md maps the equations to this code.
#pragma once
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gan/models/registry.h"
#include "gan/train/checkpoint.h"
#include "gan/train/losses.h"
#include "gan/train/trainer.h"
#include "nn/module.h"
#include "nn/optim.h"

namespace ganlite::compress {

// technique.params of a "slimgan" spec.
struct SlimGanParams {
  std::vector<double> widths{0.25, 0.5, 0.75, 1.0};  // strictly ascending, in (0, 1]: G's widths
  double alpha = 10.0;   // distillation weight (SlimGAN: 10 for cGAN-pd, 20 unconditional); 0 = off
  int64_t n_share = 2;   // D blocks shared by every width, -1 = only the head (SlimGAN: 2): D's
  bool stepwise = true;  // false: every width distils from the widest instead of the next one
};

// technique.params are declared in slimgan_technique.cpp (types and ranges checked by
// gan::resolve_spec); check_slimgan_spec is the technique's check: model.G is
// slim_sngan_generator and model.D slim_sngan_discriminator with the same widths (so checkpoints
// load by name: gan::load_network, ganlite infer --width); losses.gan_mode is hinge; widths are
// strictly ascending. widths and n_share, when null, become the nets' options; given, they must
// equal them. Errors are gan::SpecErrors naming the JSON Pointer.
void check_slimgan_spec(nlohmann::json& resolved_spec);
// The params of a resolved spec.
SlimGanParams slimgan_params(const nlohmann::json& resolved_spec);

// What one SlimGAN step reads and writes. G and D switch width with nn::set_width_mult (G's
// layers, D's branch); labels reach them through nn::set_labels.
struct SlimGanNets {
  nn::Module& G;
  nn::Module& D;
  nn::Optimizer& opt_G;
  nn::Optimizer& opt_D;
  std::function<Tensor(int64_t)> sample_latent;  // n -> latents for G
  std::function<Tensor(int64_t)> sample_labels;  // n -> i64 labels; undefined: unconditional
};

// G_w(z) with labels set (when defined) at width w. Leaves G at width w.
Tensor generate_at(nn::Module& G, double width, const Tensor& z, const Tensor& labels);

// The distillation term on one latent batch (labels may be undefined): G runs at every width;
// out[i] = G_wi(z), target[i] = sg(G_wi+1(z)) (stepwise) or sg(G_wK(z)),
//   loss = alpha / (K-1) * sum_{i=1}^{K-1} mean((out[i] - target[i])^2),
// attached to G's graph through the narrower outputs only. pair_mse (if not null) receives the
// K-1 unweighted MSE values. K = 1 or alpha = 0 gives a zero loss. Leaves G at the widest width.
Tensor distillation_loss(nn::Module& G, const std::vector<double>& widths, double alpha,
                         bool stepwise, const Tensor& z, const Tensor& labels,
                         std::vector<double>* pair_mse = nullptr);

// One D update: for each width w, fresh z_w and labels, fakes G_w(z_w) without a graph, the loss
// mode's D loss of D_w on (real, real_labels) and the fakes, backward (gradients accumulate);
// then one opt_D step. Logs "d_loss" (the sum) and "d_loss_<w>".
void slimgan_d_step(SlimGanNets& nets, const SlimGanParams& p, gan::GanMode mode,
                    const Tensor& real, const Tensor& real_labels, gan::Scalars& log);

// One G update with D's parameters frozen: for each width, fresh z_w and labels, G loss of
// D_w(G_w(z_w)), backward; then the distillation term on a shared batch of `batch` latents,
// backward; one opt_G step. Logs "g_loss" (the adversarial sum), "distill", "g_loss_<w>" and
// "distill_<w_i>" (the MSE of width w_i against its target).
void slimgan_g_step(SlimGanNets& nets, const SlimGanParams& p, gan::GanMode mode, int64_t batch,
                    gan::Scalars& log);

// "0.25", "1": how widths appear in scalar names and file names.
std::string width_label(double width);

// A dense checkpoint of one width of a slimgan run checkpoint: tensors "G.<name>" of the
// sngan_generator of ch = slim_channels(ch, width) made from the run's deploy network (its EMA
// generator when it keeps one, else G) and "D.<name>" of
// that width's sngan_discriminator (when the checkpoint holds D); metadata "spec" (the resolved
// spec of a plain run of those nets: technique null), "step", "width", "source_spec",
// "G.model"/"G.options" and "D.model"/"D.options" (options as a JSON object of strings). Output
// equals the slim G's at `width` exactly (gan::export_width).
Safetensors export_slimgan_width(const gan::RunCheckpoint& checkpoint, double width);

// The technique (slimgan_technique.cpp) takes every step itself and leaves G and D at the widest
// width between steps (so samples and evaluation see the full G); `ganlite export --width W`
// writes export_slimgan_width, and `ganlite report` prints one row per width.

}  // namespace ganlite::compress
