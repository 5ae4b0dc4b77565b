// The run state and the tasks' steps. The steps follow the reference trainers: the DCGAN/SNGAN
// alternating step (one fake batch, D on it detached, then G through the updated D),
// pytorch-CycleGAN-and-pix2pix's CycleGANModel.optimize_parameters (G_A and G_B together with
// both D frozen, then D_A and D_B on pooled fakes, each loss halved) and Pix2PixModel's (D on
// cat(A, B) pairs, halved, then G with the GAN and L1 terms).
#include "gan/train/trainer.h"

#include <algorithm>

#include "engine/autograd.h"
#include "engine/backend.h"
#include "engine/ops.h"
#include "gan/train/spec.h"
#include "nn/cond_bn.h"
#include "nn/data/fashion.h"
#include "nn/data/image_folder.h"

namespace ganlite::gan {
namespace {

using nlohmann::json;

Options options_of(const json& spec, const char* which) {
  return spec_model_options(spec, which);
}

std::unique_ptr<nn::Optimizer> make_optimizer(const json& o, std::vector<Tensor> params) {
  const double lr = o["lr"];
  if (o["type"] == "sgd") return std::make_unique<nn::SGD>(std::move(params), lr, o["momentum"]);
  return std::make_unique<nn::Adam>(std::move(params), lr, o["beta1"], o["beta2"]);
}

std::vector<Tensor> params_of(const nn::ModulePtr& a, const nn::ModulePtr& b) {
  std::vector<Tensor> p = a->parameters();
  if (b)
    for (auto& t : b->parameters()) p.push_back(t);
  return p;
}

// Freezes a discriminator for the generator's backward (its gradients would be thrown away) and
// unfreezes it when the scope ends, also on an exception.
class Frozen {
 public:
  Frozen(nn::ModulePtr a, nn::ModulePtr b = nullptr) : a_(std::move(a)), b_(std::move(b)) {
    set(false);
  }
  ~Frozen() { set(true); }

 private:
  void set(bool on) {
    for (auto* m : {a_.get(), b_.get()})
      if (m) m->requires_grad_(on);
  }
  nn::ModulePtr a_, b_;
};

void add_extra(Tensor& loss, const Tensor& extra) {
  if (extra.defined()) loss = loss + extra;
}

Scalars generation_step(Run& run, const data::Batch& batch, Technique* tech) {
  Scalars log;
  const Tensor& real = batch.a;
  const int64_t n = real.size(0);
  const Tensor y_real = run.num_classes > 0 ? batch.labels : Tensor();
  StepTensors t;
  t.real_a = real;
  t.z = run.sample_latent(n);
  t.labels = run.sample_labels(n);
  const Tensor fake = run.generate(t.z, t.labels);

  t.fake = fake.detach();
  const Tensor real_logits = run.discriminate(real, y_real);
  const Tensor fake_logits = run.discriminate(t.fake, t.labels);
  Tensor loss_d = d_loss(run.mode, real_logits, fake_logits);
  log.push_back({"d_loss", loss_d.item()});
  if (tech) add_extra(loss_d, tech->extra_d_loss(run, t, log));
  run.opt_D->zero_grad();
  loss_d.backward();
  run.opt_D->step();
  log.push_back({"d_real", mean(real_logits.detach()).item()});
  log.push_back({"d_fake", mean(fake_logits.detach()).item()});

  Frozen frozen(run.D);
  t.fake = fake;
  Tensor loss_g = g_loss(run.mode, run.discriminate(fake, t.labels));
  log.push_back({"g_loss", loss_g.item()});
  if (tech) add_extra(loss_g, tech->extra_g_loss(run, t, log));
  run.opt_G->zero_grad();
  loss_g.backward();
  run.opt_G->step();
  return log;
}

Scalars unpaired_step(Run& run, const data::Batch& batch, Technique* tech) {
  Scalars log;
  const json& l = run.spec["losses"];
  const double lam_c = l["lambda_cycle"], lam_id = l["lambda_identity"];
  const Tensor &A = batch.a, &B = batch.b;
  StepTensors t;
  t.real_a = A;
  t.real_b = B;
  const Tensor fake_B = (*run.G)(A), rec_A = (*run.G2)(fake_B);
  const Tensor fake_A = (*run.G2)(B), rec_B = (*run.G)(fake_A);
  {
    Frozen frozen(run.D, run.D2);
    const Tensor g_a = g_loss(run.mode, (*run.D)(fake_B));
    const Tensor g_b = g_loss(run.mode, (*run.D2)(fake_A));
    const Tensor cyc_a = l1_loss(rec_A, A) * lam_c, cyc_b = l1_loss(rec_B, B) * lam_c;
    Tensor loss_g = g_a + g_b + cyc_a + cyc_b;
    log.push_back({"g_A", g_a.item()});
    log.push_back({"g_B", g_b.item()});
    log.push_back({"cycle_A", cyc_a.item()});
    log.push_back({"cycle_B", cyc_b.item()});
    if (lam_id > 0) {
      const Tensor idt_a = l1_loss((*run.G)(B), B) * (lam_c * lam_id);
      const Tensor idt_b = l1_loss((*run.G2)(A), A) * (lam_c * lam_id);
      loss_g = loss_g + idt_a + idt_b;
      log.push_back({"idt_A", idt_a.item()});
      log.push_back({"idt_B", idt_b.item()});
    }
    t.fake = fake_B;
    if (tech) add_extra(loss_g, tech->extra_g_loss(run, t, log));
    run.opt_G->zero_grad();
    loss_g.backward();
    run.opt_G->step();
  }
  const Tensor pooled_B = run.pool_B->query(fake_B.detach(), run.gen);
  const Tensor pooled_A = run.pool_A->query(fake_A.detach(), run.gen);
  const Tensor d_a = d_loss(run.mode, (*run.D)(B), (*run.D)(pooled_B)) * 0.5;
  const Tensor d_b = d_loss(run.mode, (*run.D2)(A), (*run.D2)(pooled_A)) * 0.5;
  Tensor loss_d = d_a + d_b;
  log.push_back({"d_A", d_a.item()});
  log.push_back({"d_B", d_b.item()});
  t.fake = fake_B.detach();
  if (tech) add_extra(loss_d, tech->extra_d_loss(run, t, log));
  run.opt_D->zero_grad();
  loss_d.backward();
  run.opt_D->step();
  return log;
}

Scalars paired_step(Run& run, const data::Batch& batch, Technique* tech) {
  Scalars log;
  const Tensor &A = batch.a, &B = batch.b;
  StepTensors t;
  t.real_a = A;
  t.real_b = B;
  const Tensor fake_B = (*run.G)(A);
  t.fake = fake_B.detach();
  Tensor loss_d =
      d_loss(run.mode, (*run.D)(concat({A, B}, 1)), (*run.D)(concat({A, t.fake}, 1))) * 0.5;
  log.push_back({"d_loss", loss_d.item()});
  if (tech) add_extra(loss_d, tech->extra_d_loss(run, t, log));
  run.opt_D->zero_grad();
  loss_d.backward();
  run.opt_D->step();

  Frozen frozen(run.D);
  const Tensor g_gan = g_loss(run.mode, (*run.D)(concat({A, fake_B}, 1)));
  const Tensor g_l1 = l1_loss(fake_B, B) * run.spec["losses"]["lambda_l1"].get<double>();
  Tensor loss_g = g_gan + g_l1;
  log.push_back({"g_gan", g_gan.item()});
  log.push_back({"g_l1", g_l1.item()});
  t.fake = fake_B;
  if (tech) add_extra(loss_g, tech->extra_g_loss(run, t, log));
  run.opt_G->zero_grad();
  loss_g.backward();
  run.opt_G->step();
  return log;
}

Scalars classifier_step(Run& run, const data::Batch& batch) {
  const Tensor logits = (*run.G)(batch.a);
  const Tensor loss = cross_entropy(logits, batch.labels);
  run.opt_G->zero_grad();
  loss.backward();
  run.opt_G->step();
  const std::vector<float> l = logits.detach().contiguous().to_vector<float>();
  const std::vector<int64_t> y = batch.labels.to_vector<int64_t>();
  const int64_t classes = logits.size(1);
  int64_t correct = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    const float* row = l.data() + i * classes;
    correct += std::max_element(row, row + classes) - row == y[i];
  }
  return {{"loss", loss.item()}, {"accuracy", static_cast<double>(correct) / y.size()}};
}

}  // namespace

TaskKind task_kind(const json& spec) {
  if (spec["task"] == "classifier") return TaskKind::classifier;
  const std::string d = spec["data"]["dataset"];
  if (d == "fashion_unpaired" || d == "unaligned_folder") return TaskKind::unpaired;
  if (d == "fashion_edges" || d == "aligned_folder") return TaskKind::paired;
  return TaskKind::generation;
}

const char* task_kind_name(TaskKind kind) {
  switch (kind) {
    case TaskKind::generation:
      return "generation";
    case TaskKind::unpaired:
      return "unpaired translation";
    case TaskKind::paired:
      return "paired translation";
    case TaskKind::classifier:
      return "classifier";
  }
  return "?";
}

std::shared_ptr<const data::Dataset> make_dataset(const json& spec, bool for_eval) {
  const json& d = spec["data"];
  const std::string kind = d["dataset"];
  if (kind.rfind("fashion_", 0) == 0) {
    data::FashionOptions o;
    o.root = d["root"];
    o.train = !for_eval && d["phase"] == "train";
    o.limit = for_eval ? 0 : d["limit"].get<int64_t>();
    o.image_size = d["image_size"];
    auto base = std::make_shared<const data::FashionMnist>(o);
    if (kind == "fashion_unpaired")
      return std::make_shared<const data::FashionUnpaired>(
          base, d["classes_a"].get<std::vector<int64_t>>(),
          d["classes_b"].get<std::vector<int64_t>>());
    if (kind == "fashion_edges")
      return std::make_shared<const data::FashionEdges>(base, d["edge_threshold"].get<double>());
    return base;
  }
  data::FolderOptions o;
  o.root = d["root"];
  o.phase = for_eval ? "test" : d["phase"].get<std::string>();
  o.direction = d["direction"];
  // Gray models (input_nc 1) read gray images; everything else RGB.
  const Options g = spec_model_options(spec, "G");
  auto nc = g.find("input_nc");
  o.channels = nc != g.end() && nc->second == "1" ? 1 : 3;
  o.preprocess.mode = d["preprocess"];
  o.preprocess.load_size = d["load_size"];
  o.preprocess.crop_size = d["crop_size"];
  o.preprocess.flip = !for_eval && d["flip"].get<bool>();
  if (kind == "unaligned_folder") return std::make_shared<const data::UnalignedFolder>(o);
  if (kind == "aligned_folder") return std::make_shared<const data::AlignedFolder>(o);
  return std::make_shared<const data::SingleFolder>(o);
}

Run::Run(json resolved_spec) : spec(std::move(resolved_spec)) {
  task = task_kind(spec);
  mode = parse_gan_mode(spec["losses"]["gan_mode"]);
  const uint64_t seed = spec["seed"];
  if (spec["device"] == "cuda") {
    std::string why;
    if (!cuda_available(&why)) throw SpecError("/device: \"cuda\" is not available: " + why);
    device = Device::cuda;
  }
  manual_seed(seed);
  // A stream of its own for latents and pool choices, apart from initialisation's.
  gen = Generator(seed ^ 0x6a09e667f3bcc909ULL);
  const std::string g_name = spec["model"]["G"]["name"];
  G = make_model(g_name, options_of(spec, "G"));
  if (task == TaskKind::unpaired) G2 = make_model(g_name, options_of(spec, "G"));
  if (task != TaskKind::classifier) {
    const std::string d_name = spec["model"]["D"]["name"];
    D = make_model(d_name, options_of(spec, "D"));
    if (task == TaskKind::unpaired) D2 = make_model(d_name, options_of(spec, "D"));
    // Before the optimizer, whose moments are made beside the parameters.
    for (auto* m : {D.get(), D2.get()})
      if (m) m->to(device);
    opt_D = make_optimizer(spec["optim"]["D"], params_of(D, D2));
  }
  for (auto* m : {G.get(), G2.get()})
    if (m) m->to(device);
  opt_G = make_optimizer(spec["optim"]["G"], params_of(G, G2));
  if (task == TaskKind::unpaired) {
    pool_A = std::make_unique<ImagePool>(spec["losses"]["pool_size"].get<int64_t>());
    pool_B = std::make_unique<ImagePool>(spec["losses"]["pool_size"].get<int64_t>());
  }
  if (task == TaskKind::generation) {
    const Shape in = latent_shape(1);
    const bool noise_input = in.size() == 2 || (in.size() == 4 && in[2] == 1 && in[3] == 1);
    if (!noise_input)
      throw SpecError("/model/G/name: \"" + g_name + "\" maps images to images (input " +
                      shape_str(in) + "); dataset \"" + spec["data"]["dataset"].get<std::string>() +
                      "\" trains a generator from noise (dcgan_generator, sngan_generator, "
                      "stylegan2_generator, ...)");
    if (conditional_classes(*G) > 0) {
      if (spec["data"]["dataset"] != "fashion_mnist")
        throw SpecError("/data/dataset: the class-conditional \"" + g_name +
                        "\" needs labels; use fashion_mnist");
      num_classes = conditional_classes(*G);
      if (num_classes != 10)
        throw SpecError("/model/G/options/num_classes: Fashion-MNIST has 10 classes, got " +
                        std::to_string(num_classes));
    }
  }
  G->train();
  if (G2) G2->train();
  if (D) D->train();
  if (D2) D2->train();
  batch_size = spec["data"]["batch_size"];
}

int64_t conditional_classes(nn::Module& G) {
  for (auto& [name, m] : G.named_modules())
    if (auto* c = dynamic_cast<nn::LabelConditioned*>(m)) return c->num_classes();
  return 0;
}

Shape Run::latent_shape(int64_t n) const {
  return gan::latent_shape(spec, n);
}

Shape latent_shape(const json& spec, int64_t n) {
  const json& d = spec["data"];
  const int64_t side = d["dataset"].get<std::string>().rfind("fashion_", 0) == 0
                           ? d["image_size"].get<int64_t>()
                           : d["crop_size"].get<int64_t>();
  return profile_input(spec["model"]["G"]["name"], spec_model_options(spec, "G"), n, side, side);
}

void Run::to_device(data::Batch& batch) const {
  for (Tensor* t : {&batch.a, &batch.b, &batch.labels})
    if (t->defined()) *t = t->to(device);
}

Tensor Run::sample_latent(int64_t n) {
  return randn(latent_shape(n), gen, DType::f32, device);
}

Tensor Run::sample_labels(int64_t n) {
  return num_classes > 0 ? randint(0, num_classes, {n}, gen, device) : Tensor();
}

Tensor Run::generate(const Tensor& z, const Tensor& labels) {
  if (labels.defined()) nn::set_labels(*G, labels);
  return (*G)(z);
}

Tensor Run::discriminate(const Tensor& x, const Tensor& labels) {
  if (labels.defined()) nn::set_labels(*D, labels);
  return (*D)(x);
}

int64_t Run::schedule_counter() const {
  return spec["schedule"]["epochs"].get<int64_t>() > 0 ? epoch() : step;
}

void Run::apply_schedule() {
  const json& s = spec["schedule"];
  const int64_t length = std::max(s["epochs"].get<int64_t>(), s["steps"].get<int64_t>());
  const int64_t counter = std::min(schedule_counter(), length - 1);
  for (auto [opt, which] : {std::pair{opt_G.get(), "G"}, std::pair{opt_D.get(), "D"}}) {
    if (!opt) continue;
    const double base = spec["optim"][which]["lr"];
    if (s["decay"] == "linear") {
      const int64_t start = s["decay_start"];
      nn::apply_lr(*opt, nn::LinearDecayLr(base, start, length - start), counter);
    } else if (s["decay"] == "multistep") {
      nn::apply_lr(*opt,
                   nn::MultiStepLr(base, s["milestones"].get<std::vector<int64_t>>(),
                                   s["gamma"].get<double>()),
                   counter);
    } else {
      nn::apply_lr(*opt, nn::ConstantLr(base), counter);
    }
  }
}

Scalars task_step(Run& run, const data::Batch& batch, Technique* technique) {
  switch (run.task) {
    case TaskKind::generation:
      return generation_step(run, batch, technique);
    case TaskKind::unpaired:
      return unpaired_step(run, batch, technique);
    case TaskKind::paired:
      return paired_step(run, batch, technique);
    case TaskKind::classifier:
      return classifier_step(run, batch);
  }
  return {};
}

}  // namespace ganlite::gan
