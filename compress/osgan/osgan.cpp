// OSGAN's one-stage step and the two-stage reference it is tested against (techniques.md §4;
// Shen et al. CVPR 2021, sec. 3.2-3.3). With d_i = D(G(z_i)) and per-sample terms ℓ_fake,i (D's
// fake term) and ℓ_G,i (G's loss), the gradient L_D sends into fake sample i is
// (1/N) ℓ'_fake(d_i) ∂d_i/∂x_i; multiplying it by γ_i = ℓ'_G(d_i) / ℓ'_fake(d_i) on the way into
// G gives (1/N) ℓ'_G(d_i) ∂d_i/∂x_i, the gradient of L_G, while D's parameters keep ∇L_D.
#include "compress/osgan/osgan.h"

#include <cmath>
#include <utility>

#include "engine/autograd.h"
#include "engine/error.h"
#include "engine/ops.h"
#include "gan/models/stylegan2.h"
#include "gan/train/spec.h"
#include "nn/layers.h"

namespace ganlite::compress {

using gan::GanMode;

const char* osgan_mode_name(OsganMode mode) {
  return mode == OsganMode::symmetric ? "symmetric" : "asymmetric";
}

bool gan_mode_is_symmetric(GanMode mode) {
  return mode == GanMode::wgan;
}

OsganMode osgan_auto_mode(GanMode mode) {
  return gan_mode_is_symmetric(mode) ? OsganMode::symmetric : OsganMode::asymmetric;
}

OsganMode resolve_osgan_mode(const std::string& mode, GanMode loss) {
  if (mode == "symmetric") return OsganMode::symmetric;
  if (mode == "asymmetric") return OsganMode::asymmetric;
  GANLITE_CHECK(mode == "auto", "osgan: mode '", mode, "' is not auto, symmetric or asymmetric");
  return osgan_auto_mode(loss);
}

OsganParams osgan_params(const nlohmann::json& spec) {
  const nlohmann::json& p = spec.at("technique").at("params");
  return {p.at("mode").get<std::string>(), p.at("clip_d").get<double>()};
}

std::string find_sample_coupling(nn::Module& D) {
  for (auto& [name, m] : D.named_modules()) {
    const std::string where = name.empty() ? std::string("D itself") : "layer '" + name + "'";
    if (auto* bn = dynamic_cast<nn::BatchNorm2d*>(m)) {
      if (bn->is_training()) return where + " (BatchNorm2d in training mode: batch statistics)";
      if (!bn->running_mean.defined())
        return where + " (BatchNorm2d without running statistics: batch statistics)";
    }
    if (dynamic_cast<gan::StyleGan2Discriminator*>(m))
      return "the minibatch standard-deviation layer of " + where + " (StyleGan2Discriminator)";
  }
  return "";
}

void check_per_sample(nn::Module& D, const std::string& who) {
  const std::string coupling = find_sample_coupling(D);
  GANLITE_CHECK(coupling.empty(), who, ": D mixes the samples of a batch at ", coupling,
                ", so a sample's logit depends on the other samples and the per-sample gradient "
                "ratio is not exact. Use a per-sample norm: GroupNorm (DCGAN D: model.D.options."
                "norm = \"group\"), instance norm or none; or technique.params.mode "
                "\"symmetric\" with the wgan loss.");
}

gan::Scalars StepStats::scalars() const {
  return {{"d_loss", loss_D},
          {"d_real", d_real},
          {"d_fake", d_fake},
          {"g_loss", loss_G},
          {"osgan_dead", static_cast<double>(dead)}};
}

namespace {

template <class T>
int64_t fill_ratio(const Tensor& num, const Tensor& den, Tensor& gamma) {
  const T* b = num.data<T>();
  const T* a = den.data<T>();
  T* g = gamma.data<T>();
  int64_t dead = 0;
  for (int64_t i = 0; i < gamma.numel(); ++i) {
    const T r = a[i] == T(0) ? T(0) : b[i] / a[i];
    const bool ok = a[i] != T(0) && std::isfinite(r);
    g[i] = ok ? r : T(0);
    dead += ok ? 0 : 1;
  }
  return dead;
}

void check_batch(const GanBatch& b, const char* who) {
  GANLITE_CHECK(b.real.defined() && b.z.defined(), who, ": the batch needs real images and z");
  GANLITE_CHECK(b.labels.defined() == b.real_labels.defined(), who,
                ": labels must be given for both the real and the fake batch, or for neither");
}

double mean_of(const Tensor& t) {
  NoGradGuard ng;
  return mean(t.detach()).item();
}

}  // namespace

Tensor osgan_gamma(GanMode mode, const Tensor& fake_logits, int64_t* dead) {
  GANLITE_CHECK(fake_logits.defined() && fake_logits.dim() >= 1,
                "osgan_gamma: expected logits (N, ...)");
  const int64_t n = fake_logits.size(0);
  GANLITE_CHECK(fake_logits.numel() == n, "osgan (asymmetric): D's output has shape ",
                fake_logits.shape_str(), ", ", n > 0 ? fake_logits.numel() / n : 0,
                " logits per sample; the per-sample gradient ratio needs one logit per sample ",
                "(a map of logits, e.g. PatchGAN, has a ratio per logit, which one scaling of the "
                "image gradient cannot express). Use a D with one logit per sample, or mode "
                "\"symmetric\" with the wgan loss.");
  GANLITE_CHECK(grad_enabled(), "osgan_gamma: called with grad mode off (inside a NoGradGuard)");
  // A leaf over the logits' values: only the loss head is differentiated, not D.
  Tensor d = fake_logits.detach().reshape({n}).clone();
  d.requires_grad_(true);
  // Both losses are means over the same n logits, so their 1/n cancels in the ratio.
  Tensor dl_fake = grad({gan::gan_loss(mode, d, false)}, {d})[0];
  Tensor dl_g = grad({gan::g_loss(mode, d)}, {d})[0];
  // n ratios with a per-sample test: on the host, one small copy each way on a GPU.
  Tensor gamma = empty({n}, d.dtype());
  dl_fake = dl_fake.cpu().contiguous(), dl_g = dl_g.cpu().contiguous();
  const int64_t k = d.dtype() == DType::f64 ? fill_ratio<double>(dl_g, dl_fake, gamma)
                                            : fill_ratio<float>(dl_g, dl_fake, gamma);
  if (dead) *dead = k;
  return gamma.to(fake_logits.device());
}

Tensor negate_grad(const Tensor& x) {
  return custom_grad(x, [](const Tensor& g) { return neg(g); });
}

Tensor scale_grad_per_sample(const Tensor& x, std::shared_ptr<const Tensor> gamma) {
  GANLITE_CHECK(x.dim() >= 1, "scale_grad_per_sample: expected (N, ...), got ", x.shape_str());
  Shape s(x.shape().size(), 1);
  s[0] = x.size(0);
  return custom_grad(x, [gamma = std::move(gamma), s](const Tensor& g) {
    GANLITE_CHECK(gamma && gamma->defined() && gamma->numel() == s[0],
                  "scale_grad_per_sample: the per-sample scale was not set to ", s[0],
                  " values before backward");
    return mul(g, gamma->reshape(s));
  });
}

StepStats osgan_backward(const GanFns& nets, GanMode mode, const OsganOptions& o,
                         const GanBatch& b) {
  check_batch(b, "osgan");
  Tensor fake = nets.generate(b.z, b.labels);
  auto gamma = std::make_shared<Tensor>();
  Tensor into_d =
      o.mode == OsganMode::symmetric ? negate_grad(fake) : scale_grad_per_sample(fake, gamma);
  const int64_t nr = b.real.size(0), nf = fake.size(0);
  Tensor real_logits, fake_logits;
  if (o.concat) {
    Tensor labels = b.labels.defined() ? concat({b.real_labels, b.labels}, 0) : Tensor();
    Tensor logits = nets.discriminate(concat({b.real.to(fake.dtype()), into_d}, 0), labels);
    GANLITE_CHECK(logits.dim() >= 1 && logits.size(0) == nr + nf, "osgan: D returned ",
                  logits.shape_str(), " for ", nr + nf, " samples");
    real_logits = logits.slice(0, 0, nr);
    fake_logits = logits.slice(0, nr, nf);
  } else {
    real_logits = nets.discriminate(b.real.to(fake.dtype()), b.real_labels);
    fake_logits = nets.discriminate(into_d, b.labels);
  }
  Tensor loss_d = gan::d_loss(mode, real_logits, fake_logits);
  StepStats s;
  if (o.mode == OsganMode::asymmetric) {
    *gamma = osgan_gamma(mode, fake_logits, &s.dead);
    NoGradGuard ng;
    s.loss_G = gan::g_loss(mode, fake_logits.detach()).item();
  } else {
    NoGradGuard ng;
    s.loss_G = -gan::gan_loss(mode, fake_logits.detach(), false).item();
  }
  loss_d.backward();
  s.loss_D = loss_d.item();
  s.d_real = mean_of(real_logits);
  s.d_fake = mean_of(fake_logits);
  return s;
}

StepStats osgan_step(const GanFns& nets, nn::Optimizer& opt_G, nn::Optimizer& opt_D, GanMode mode,
                     const OsganOptions& options, const GanBatch& batch, double clip_d) {
  opt_G.zero_grad();
  opt_D.zero_grad();
  StepStats s = osgan_backward(nets, mode, options, batch);
  opt_D.step();
  opt_G.step();
  if (clip_d > 0) clip_parameters(opt_D.params(), clip_d);
  return s;
}

StepStats two_stage_backward(const GanFns& nets, GanMode mode, const GanBatch& b,
                             const std::vector<Tensor>& d_params) {
  check_batch(b, "two_stage_backward");
  gan::GenerationStep step;
  step.nets = nets;
  step.d_params = d_params;
  step.mode = mode;
  gan::StepTensors t;
  const gan::Scalars log = gan::generation_step(step, b, t);
  auto value = [&](const char* k) {
    for (const auto& [name, v] : log)
      if (name == k) return v;
    GANLITE_FAIL("two_stage_backward: the generation step logged no ", k);
  };
  StepStats s;
  s.loss_D = value("d_loss");
  s.d_real = value("d_real");
  s.d_fake = value("d_fake");
  s.loss_G = value("g_loss");
  return s;
}

void clip_parameters(const std::vector<Tensor>& params, double c) {
  GANLITE_CHECK(c > 0, "clip_parameters: the bound must be > 0, got ", c);
  NoGradGuard ng;
  for (Tensor p : params) p.copy_(clamp(p.detach(), -c, c));
}

}  // namespace ganlite::compress
