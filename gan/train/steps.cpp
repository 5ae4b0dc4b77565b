#include "gan/train/steps.h"

#include <algorithm>
#include <memory>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "gan/models/stylegan2.h"
#include "gan/train/penalties.h"
#include "gan/train/run.h"
#include "gan/train/technique.h"
#include "nn/cond_bn.h"
#include "nn/scope.h"

namespace ganlite::gan {
namespace {

using nlohmann::json;

// The technique's hooks bound to the run.
struct Hooks {
  LossHook d, g;
};

Hooks hooks_of(Run& run, Technique* tech) {
  if (!tech) return {};
  return {[&run, tech](StepTensors& t, const Tensor& loss, Scalars& log) {
            return tech->d_loss(run, t, loss, log);
          },
          [&run, tech](StepTensors& t, const Tensor& loss, Scalars& log) {
            return tech->g_loss(run, t, loss, log);
          }};
}

Tensor hooked(const LossHook& hook, StepTensors& t, const Tensor& loss, Scalars& log) {
  return hook ? hook(t, loss, log) : loss;
}

// loss.backward() between zeroing and stepping the optimizers.
void update(const std::vector<nn::Optimizer*>& opts, const Tensor& loss) {
  for (nn::Optimizer* o : opts) o->zero_grad();
  loss.backward();
  for (nn::Optimizer* o : opts) o->step();
}

std::vector<Tensor> params_of(std::initializer_list<nn::Module*> nets) {
  std::vector<Tensor> p;
  for (nn::Module* m : nets)
    for (auto& t : m->parameters()) p.push_back(t);
  return p;
}

ImagePool& pool_of(Run& run, const std::string& d) {
  ImagePool* p = run.pool(d);
  GANLITE_CHECK(p, "unpaired step: no image pool for discriminator '", d,
                "' (Run::add_pool in the technique's setup)");
  return *p;
}

// The spec's gradient penalties that apply at this step: R1 every r1_interval D steps and the
// path length every pl_interval G steps, each scaled by its interval (StyleGAN2's lazy
// regularisation, here joined to the step's loss), WGAN-GP every step.
void add_regularizers(Run& run, nn::Module& G, GenerationStep& s) {
  const json& l = run.spec["losses"];
  const double gamma = l["r1_gamma"], pl_weight = l["pl_weight"];
  const int64_t r1_every = l["r1_interval"], pl_every = l["pl_interval"];
  if (gamma > 0 && run.step % r1_every == 0) s.r1_weight = 0.5 * gamma * r1_every;
  s.gp_weight = l["lambda_gp"];
  s.gp_gen = &run.gen;
  if (pl_weight <= 0 || run.step % pl_every != 0) return;
  auto* sg2 = dynamic_cast<StyleGan2Generator*>(&G);
  GANLITE_CHECK(sg2, "losses.pl_weight: the generator '", G.type_name(),
                "' is not a StyleGAN2 generator");
  const int64_t n = std::max<int64_t>(1, run.batch_size / l["pl_batch_shrink"].get<int64_t>());
  const double weight = pl_weight * pl_every, decay = l["pl_decay"];
  s.g_reg = [&run, sg2, n, weight, decay](Scalars& log) {
    const Tensor w = sg2->mapping_forward(run.sample_latent(n));
    // One w per layer, so the lengths average each layer's gradient as StyleGAN2's do.
    const Tensor ws = w.unsqueeze(1).expand({n, sg2->num_ws(), w.size(1)});
    double length = 0;
    const Tensor pl =
        path_length_penalty(sg2->synthesis_forward(ws), ws, run.pl_mean, decay, run.gen, &length);
    log.push_back({"pl", pl.item()});
    log.push_back({"pl_length", length});
    return pl * weight;
  };
}

Scalars run_generation(Run& run, const data::Batch& batch, const Hooks& h, StepTensors& t) {
  nn::Module &G = run.module(t.roles.G), &D = run.module(t.roles.D);
  const int64_t n = batch.a.size(0);
  GanBatch b;
  b.real = batch.a;
  b.real_labels = run.num_classes > 0 ? batch.labels : Tensor();
  b.z = run.sample_latent(n);
  b.labels = run.sample_labels(n);
  GenerationStep s;
  s.nets = gan_fns(G, D);
  s.d_params = D.parameters();
  s.mode = run.mode;
  s.opt_D = run.optimizers(t.roles.D);
  s.opt_G = run.optimizers(t.roles.G);
  s.d_hook = h.d;
  s.g_hook = h.g;
  add_regularizers(run, G, s);
  return generation_step(s, b, t);
}

Scalars unpaired_step(Run& run, const data::Batch& batch, const Hooks& h, StepTensors& t) {
  const Roles& r = t.roles;
  nn::Module &G = run.module(r.G), &G2 = run.module(r.G2);
  nn::Module &D = run.module(r.D), &D2 = run.module(r.D2);
  ImagePool &pool_b = pool_of(run, r.D), &pool_a = pool_of(run, r.D2);
  Scalars log;
  const json& l = run.spec["losses"];
  const double lam_c = l["lambda_cycle"], lam_id = l["lambda_identity"];
  const Tensor &A = batch.a, &B = batch.b;
  t.real_a = A;
  t.real_b = B;
  // G's calls, in order: G(A), G(fake_A), then G(B) for the identity term (G2's likewise).
  const Tensor fake_B = G(A), rec_A = G2(fake_B);
  const Tensor fake_A = G2(B), rec_B = G(fake_A);
  {
    nn::FreezeScope frozen(params_of({&D, &D2}));
    const Tensor g_a = g_loss(run.mode, D(fake_B));
    const Tensor g_b = g_loss(run.mode, D2(fake_A));
    const Tensor cyc_a = l1_loss(rec_A, A) * lam_c, cyc_b = l1_loss(rec_B, B) * lam_c;
    Tensor loss_g = g_a + g_b + cyc_a + cyc_b;
    log.push_back({"g_A", g_a.item()});
    log.push_back({"g_B", g_b.item()});
    log.push_back({"cycle_A", cyc_a.item()});
    log.push_back({"cycle_B", cyc_b.item()});
    if (lam_id > 0) {
      const Tensor idt_a = l1_loss(G(B), B) * (lam_c * lam_id);
      const Tensor idt_b = l1_loss(G2(A), A) * (lam_c * lam_id);
      loss_g = loss_g + idt_a + idt_b;
      log.push_back({"idt_A", idt_a.item()});
      log.push_back({"idt_B", idt_b.item()});
    }
    t.fake = fake_B;
    t.fake_a = fake_A;
    loss_g = hooked(h.g, t, loss_g, log);
    std::vector<nn::Optimizer*> opts = run.optimizers(r.G);
    for (nn::Optimizer* o : run.optimizers(r.G2)) opts.push_back(o);
    update(opts, loss_g);
  }
  const Tensor pooled_B = pool_b.query(fake_B.detach(), run.gen);
  const Tensor pooled_A = pool_a.query(fake_A.detach(), run.gen);
  t.fake = fake_B.detach();
  t.fake_a = fake_A.detach();
  // CycleGANModel.backward_D_basic's order: real, then fake.
  t.real_logits = D(B);
  t.fake_logits = D(pooled_B);
  const Tensor d_a = d_loss(run.mode, t.real_logits, t.fake_logits) * 0.5;
  const Tensor real_b_logits = D2(A);
  const Tensor d_b = d_loss(run.mode, real_b_logits, D2(pooled_A)) * 0.5;
  Tensor loss_d = d_a + d_b;
  log.push_back({"d_A", d_a.item()});
  log.push_back({"d_B", d_b.item()});
  loss_d = hooked(h.d, t, loss_d, log);
  std::vector<nn::Optimizer*> opts = run.optimizers(r.D);
  for (nn::Optimizer* o : run.optimizers(r.D2)) opts.push_back(o);
  update(opts, loss_d);
  return log;
}

Scalars paired_step(Run& run, const data::Batch& batch, const Hooks& h, StepTensors& t) {
  const Roles& r = t.roles;
  nn::Module &G = run.module(r.G), &D = run.module(r.D);
  Scalars log;
  const Tensor &A = batch.a, &B = batch.b;
  t.real_a = A;
  t.real_b = B;
  const Tensor fake_B = G(A);
  t.fake = fake_B.detach();
  // Pix2PixModel.backward_D's order, fake pair first (it decides BatchNorm's running statistics).
  t.fake_logits = D(concat({A, t.fake}, 1));
  t.real_logits = D(concat({A, B}, 1));
  Tensor loss_d = d_loss(run.mode, t.real_logits, t.fake_logits) * 0.5;
  log.push_back({"d_loss", loss_d.item()});
  loss_d = hooked(h.d, t, loss_d, log);
  update(run.optimizers(r.D), loss_d);

  nn::FreezeScope frozen(D);
  t.fake = fake_B;
  t.real_logits = Tensor();
  t.fake_logits = D(concat({A, fake_B}, 1));
  const Tensor g_gan = g_loss(run.mode, t.fake_logits);
  const Tensor g_l1 = l1_loss(fake_B, B) * run.spec["losses"]["lambda_l1"].get<double>();
  Tensor loss_g = g_gan + g_l1;
  log.push_back({"g_gan", g_gan.item()});
  log.push_back({"g_l1", g_l1.item()});
  loss_g = hooked(h.g, t, loss_g, log);
  update(run.optimizers(r.G), loss_g);
  return log;
}

Scalars classifier_step(Run& run, const data::Batch& batch, const Hooks& h, StepTensors& t) {
  t.real_a = batch.a;
  t.real_labels = batch.labels;
  const Tensor logits = run.module(t.roles.G)(batch.a);
  Scalars log;
  Tensor loss = cross_entropy(logits, batch.labels);
  const double task_loss = loss.item();
  loss = hooked(h.g, t, loss, log);
  update(run.optimizers(t.roles.G), loss);
  const std::vector<float> l = logits.detach().contiguous().to_vector<float>();
  const std::vector<int64_t> y = batch.labels.to_vector<int64_t>();
  const int64_t classes = logits.size(1);
  int64_t correct = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    const float* row = l.data() + i * classes;
    correct += std::max_element(row, row + classes) - row == y[i];
  }
  Scalars out = {{"loss", task_loss}, {"accuracy", static_cast<double>(correct) / y.size()}};
  out.insert(out.end(), log.begin(), log.end());
  return out;
}

}  // namespace

Tensor forward_with_labels(nn::Module& net, const Tensor& x, const Tensor& labels) {
  if (labels.defined()) nn::set_labels(net, labels);
  return net(x);
}

GanFns gan_fns(nn::Module& G, nn::Module& D) {
  return {[&G](const Tensor& z, const Tensor& y) { return forward_with_labels(G, z, y); },
          [&D](const Tensor& x, const Tensor& y) { return forward_with_labels(D, x, y); }};
}

Scalars discriminator_step(const GenerationStep& s, const GanBatch& b, const Tensor& fake,
                           StepTensors& t) {
  Scalars log;
  t.real_a = b.real;
  t.real_labels = b.real_labels;
  t.z = b.z;
  t.labels = b.labels;
  Tensor real = b.real.to(fake.dtype());
  if (s.r1_weight > 0) real = real.detach().requires_grad_(true);
  t.fake = fake.detach();
  t.real_logits = s.nets.discriminate(real, b.real_labels);
  t.fake_logits = s.nets.discriminate(t.fake, b.labels);
  Tensor loss_d = d_loss(s.mode, t.real_logits, t.fake_logits);
  log.push_back({"d_loss", loss_d.item()});
  if (s.r1_weight > 0) {
    const Tensor r1 = r1_penalty(t.real_logits, real);
    log.push_back({"r1", r1.item()});
    loss_d = loss_d + r1 * s.r1_weight;
  }
  if (s.gp_weight > 0) {
    GANLITE_CHECK(s.gp_gen, "generation_step: gp_weight needs gp_gen");
    // The real images' labels for the interpolates (a conditional D needs some).
    const Tensor x = interpolate_for_gp(real, t.fake, *s.gp_gen);
    const Tensor gp = gradient_penalty(s.nets.discriminate(x, b.real_labels), x);
    log.push_back({"gp", gp.item()});
    loss_d = loss_d + gp * s.gp_weight;
  }
  loss_d = hooked(s.d_hook, t, loss_d, log);
  update(s.opt_D, loss_d);
  log.push_back({"d_real", mean(t.real_logits.detach()).item()});
  log.push_back({"d_fake", mean(t.fake_logits.detach()).item()});
  return log;
}

Scalars generation_step(const GenerationStep& s, const GanBatch& b, StepTensors& t) {
  const Tensor fake = s.nets.generate(b.z, b.labels);
  Scalars log = discriminator_step(s, b, fake, t);

  nn::FreezeScope frozen(s.d_params);
  t.fake = fake;
  t.real_logits = Tensor();
  t.fake_logits = s.nets.discriminate(fake, b.labels);
  Tensor loss_g = g_loss(s.mode, t.fake_logits);
  log.push_back({"g_loss", loss_g.item()});
  if (s.g_reg) loss_g = loss_g + s.g_reg(log);
  loss_g = hooked(s.g_hook, t, loss_g, log);
  update(s.opt_G, loss_g);
  return log;
}

Scalars task_step(Run& run, const data::Batch& batch, Technique* technique, const Roles& roles) {
  StepTensors t;
  t.roles = roles;
  std::vector<std::unique_ptr<nn::FeatureCapture>> captures;
  if (technique)
    for (const CaptureRequest& c : technique->captures(run)) {
      GANLITE_CHECK(!t.features.count(c.network), technique->name(), ": captures on network '",
                    c.network, "' requested twice; list every module in one request");
      captures.push_back(std::make_unique<nn::FeatureCapture>(run.module(c.network), c.modules));
      t.features[c.network] = captures.back().get();
    }
  const Hooks h = hooks_of(run, technique);
  switch (run.task) {
    case TaskKind::generation:
      return run_generation(run, batch, h, t);
    case TaskKind::unpaired:
      return unpaired_step(run, batch, h, t);
    case TaskKind::paired:
      return paired_step(run, batch, h, t);
    case TaskKind::classifier:
      return classifier_step(run, batch, h, t);
  }
  return {};
}

Scalars prefixed(const std::string& prefix, const Scalars& s) {
  Scalars out;
  for (const auto& [k, v] : s) out.emplace_back(prefix + k, v);
  return out;
}

}  // namespace ganlite::gan
