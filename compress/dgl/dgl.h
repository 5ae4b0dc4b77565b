// DGL-GAN: discriminator-guided learning (Tian et al. 2021/2022, "DGL-GAN: Discriminator Guided
// Learning for GAN Compression"; techniques.md sec. 2). A narrow student G_s trains against its own
// D_s and, as an extra adversarial term, against the frozen discriminator D_t of a trained wide
// teacher; gradients pass through D_t into G_s, D_t never changes. Two stages: the teacher weight
// is 0 for the first stage1_steps steps, alpha after. Variants (the reference code's loss
// functions):
//   plain               L_G = L_adv(D_s(G_s(z))) + alpha * L_adv(D_t(G_s(z)))
//   dbar                L_G = L_adv(D_s(G_s(z))) + alpha * mean(relu(-sg(D_t)) * l_adv(D_t))
//   teacher_weighted_d  L_D = (1 - alpha) L_D,logistic + alpha * [(1 - s(D_t(G_s(z)))) *
//                       softplus(D_s(G_s(z))) + s(D_t(x)) * softplus(-D_s(x))] (+ R1 on D_s);
//                       s = sigmoid; the reference is alpha = 1
// with L_adv the run's generator loss (gan/train/losses.h) and l_adv its per-logit form.
// docs/techniques/dgl.md maps the equations to this code.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "engine/tensor.h"
#include "gan/train/losses.h"

namespace ganlite::compress {

enum class DglVariant { plain, dbar, teacher_weighted_d };
DglVariant parse_dgl_variant(const std::string& name);
const char* dgl_variant_name(DglVariant v);

// technique.params of a "dgl" spec (declared in dgl_technique.cpp; check_dgl_spec fills in the
// derived defaults).
struct DglParams {
  DglVariant variant = DglVariant::plain;
  double alpha = 0.1;        // the teacher's weight in stage 2
  int64_t stage1_steps = 0;  // steps [0, stage1_steps) have weight 0
};
DglParams dgl_params(const nlohmann::json& resolved_spec);

// The technique's check: the generation task; alpha null -> the variant's default (plain: 0.5
// for the vanilla loss, StyleGAN2's form, else 0.1; dbar 0.1; teacher_weighted_d 1);
// stage1_steps null -> half of schedule.steps (an error on a schedule counted in epochs);
// teacher_weighted_d needs the vanilla (logistic) loss and losses.r1_gamma > 0. SpecErrors name
// the field.
void check_dgl_spec(nlohmann::json& resolved_spec);

// The stage (1 or 2) and the teacher weight of the step with index `step` (steps done before it).
int dgl_stage(const DglParams& p, int64_t step);
double dgl_alpha(const DglParams& p, int64_t step);

// G's teacher term (unweighted) on D_t's logits of the student's fakes: plain g_loss(mode, t);
// dbar mean(relu(-sg(t)) * g_loss_elements(mode, t)); teacher_weighted_d has none (an error).
Tensor dgl_teacher_term(DglVariant v, gan::GanMode mode, const Tensor& teacher_fake_logits);

// D_s's teacher-weighted logistic loss: mean((1 - sigmoid(t_fake)) * softplus(fake)) +
// mean(sigmoid(t_real) * softplus(-real)); the teacher logits carry no gradient.
Tensor dgl_weighted_d_loss(const Tensor& real_logits, const Tensor& fake_logits,
                           const Tensor& teacher_real_logits, const Tensor& teacher_fake_logits);

}  // namespace ganlite::compress
