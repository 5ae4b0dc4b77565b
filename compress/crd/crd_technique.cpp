// The "crd" technique (content-relationship distillation; techniques.md sec. 5). The run's G and
// D (and CycleGAN's G2, D2) are the teacher pair, trained online by the task's own step; a mobile
// ResNet student (network "student", the deploy network) learns
//   L_S = style_weight * style + feature_weight * feature
//         + rkd_weight * (RKD rows + RKD columns + RKD patches)
// of its output against the teacher's on the same input, on a frozen feature network "phi" (VGG16
// taps on (x + 1) / 2, or on Fashion-MNIST tasks by default the shipped classifier's conv taps).
//   pix2pix: every step, the teacher's step then the student's, toward the teacher's fake of that
//     step (before its update, as the reference), without an adversarial term.
//   CycleGAN: cycles of save_epoch_freq teacher epochs (the task's step) then n_dis times as many
//     student epochs; at the first student step of a cycle the teacher G is scored and kept when
//     best (network teacher_best); the student learns the best G's outputs plus the LSGAN term
//     through the current teacher D, frozen.
// With l1_student, network "student_l1" trains beside the student on L1 to the same targets.
#include <limits>
#include <memory>

#include "compress/crd/perceptual.h"
#include "compress/crd/relation.h"
#include "engine/autograd.h"
#include "engine/ops.h"
#include "gan/eval/evaluate.h"
#include "gan/eval/fmnist_eval.h"
#include "gan/models/fmnist_classifier.h"
#include "gan/models/registry.h"
#include "gan/models/vgg16.h"
#include "gan/train/run.h"
#include "gan/train/spec.h"
#include "gan/train/steps.h"
#include "gan/train/task.h"
#include "gan/train/technique.h"
#include "nn/scope.h"

namespace ganlite::compress {
namespace {

using nlohmann::json;

constexpr const char* kParams = "/technique/params";

struct CrdParams {
  int64_t student_ngf = 16, student_n_blocks = 9, patch_size = 0;
  double rkd_weight = 2.5, style_weight = 2e4, feature_weight = 20;
  bool l1_student = false;
  double l1_weight = 10;
  int64_t save_epoch_freq = 10, n_dis = 4, select_num = 500;  // CycleGAN
};

CrdParams crd_params(const json& spec) {
  const json& p = spec.at("technique").at("params");
  CrdParams c;
  c.student_ngf = p.at("student_ngf");
  c.student_n_blocks = p.at("student_n_blocks");
  c.patch_size = p.at("patch_size");
  c.rkd_weight = p.at("rkd_weight");
  c.style_weight = p.at("style_weight");
  c.feature_weight = p.at("feature_weight");
  c.l1_student = p.at("l1_student");
  c.l1_weight = p.at("l1_weight");
  if (!p.at("save_epoch_freq").is_null()) {
    c.save_epoch_freq = p.at("save_epoch_freq");
    c.n_dis = p.at("n_dis");
  }
  c.select_num = p.at("select_num");
  return c;
}

void check_crd_spec(json& spec) {
  const std::string ptr = kParams;
  const gan::TaskKind task = gan::task_kind(spec);
  if (task != gan::TaskKind::paired && task != gan::TaskKind::unpaired)
    gan::spec_error("/technique/name",
                    "crd distils an image-to-image generator; this spec's task is " +
                        std::string(gan::task_kind_name(task)));
  const bool unpaired = task == gan::TaskKind::unpaired;
  json& p = spec["technique"]["params"];
  // The reference's weights: CycleGAN 25 / 1e4 / 10, pix2pix 2.5 (summed over samples) / 2e4 / 20.
  const std::pair<const char*, double> weights[] = {{"rkd_weight", unpaired ? 25 : 2.5},
                                                    {"style_weight", unpaired ? 1e4 : 2e4},
                                                    {"feature_weight", unpaired ? 10 : 20}};
  for (const auto& [k, v] : weights)
    if (p[k].is_null()) p[k] = v;
  for (const auto& [k, v] : {std::pair<const char*, int>{"save_epoch_freq", 10}, {"n_dis", 4}}) {
    if (!unpaired && !p[k].is_null())
      gan::spec_error(ptr + "/" + k,
                      "the pix2pix schedule steps the teacher pair and the student every "
                      "iteration; " +
                          std::string(k) + " is CycleGAN's (leave it null)");
    if (unpaired && p[k].is_null()) p[k] = v;
  }
  const int64_t side = spec["data"]["image_size"];
  if (p["patch_size"].is_null()) {  // the largest divisor of the side up to a eighth of it
    int64_t k = std::max<int64_t>(1, side / 8);
    while (side % k != 0) --k;
    p["patch_size"] = k;
  }
  if (side % p["patch_size"].get<int64_t>() != 0)
    gan::spec_error(ptr + "/patch_size", p["patch_size"].dump() +
                                             " does not divide the images' side (data.image_size " +
                                             std::to_string(side) + ")");
  if (p["feature_net"].is_null()) {
    if (spec["data"]["dataset"].get<std::string>().rfind("fashion_", 0) != 0)
      gan::spec_error(ptr + "/feature_net",
                      "give the frozen feature network of the style and feature terms: VGG16 "
                      "converted from torchvision (gan/models/vgg16.h), e.g. {\"file\": "
                      "\"vgg16_features.safetensors\", \"model\": {\"name\": \"vgg16_features\"}}");
    // No VGG16 weights can be had here: on Fashion-MNIST, our classifier's conv stack.
    p["feature_net"] = {{"file", gan::FmnistEvaluator::default_weights_path()}, {"net", "G"}};
  }
}

// The feature network's taps on images x in [-1, 1], and which of them the feature term uses.
struct Taps {
  std::vector<Tensor> all;
  size_t feature = 1;  // relu2_2 (VGG16), the second block (classifier)
};

Taps taps_of(nn::Module& phi, const Tensor& x) {
  if (auto* vgg = dynamic_cast<gan::Vgg16Features*>(&phi)) return {vgg->taps((x + 1.0) * 0.5), 1};
  if (auto* cls = dynamic_cast<gan::FmnistClassifier*>(&phi)) return {cls->conv_taps(x), 1};
  GANLITE_FAIL("crd: the feature network is a ", phi.type_name(),
               "; expected vgg16_features or fmnist_classifier");
}

// One student's part of a step: its loss, backward, its optimizer's step, and the loss logged.
void train_student(gan::Run& run, const std::string& name, const Tensor& loss, gan::Scalars& log,
                   const std::string& prefix) {
  for (nn::Optimizer* o : run.optimizers(name)) o->zero_grad();
  loss.backward();
  for (nn::Optimizer* o : run.optimizers(name)) o->step();
  log.push_back({prefix + "loss", loss.item()});
}

class CrdTechnique : public gan::Technique {
 public:
  explicit CrdTechnique(const json& spec) : p_(crd_params(spec)) {}

  std::string name() const override { return "crd"; }

  void setup(gan::Run& run) override {
    const json& g = run.spec["model"]["G"]["options"];
    json model = {{"name", "mobile_resnet_generator"},
                  {"options",
                   {{"input_nc", g.value("input_nc", json(3))},
                    {"output_nc", g.value("output_nc", json(3))},
                    {"ngf", p_.student_ngf},
                    {"n_blocks", p_.student_n_blocks}}}};
    run.add_trainable("student", gan::make_described_model(model), "student", model);
    // The baseline beside it: the same network and optimizer section, the same targets.
    if (p_.l1_student)
      run.add_trainable("student_l1", gan::make_described_model(model), "student", model);
    run.deploy = "student";
    unpaired_ = run.task == gan::TaskKind::unpaired;
    if (unpaired_) {
      best_ = run.add_snapshot("teacher_best", gan::make_described_model(run.net("G").model),
                               run.net("G").model)
                  .module;
      best_->load_state_dict(run.module("G").state_dict());
    }
  }

  // Pix2pix: the teacher's fake of the task's step (train mode, before its update), as the
  // reference's forward computes it once for both: the students' target.
  Tensor g_loss(gan::Run&, gan::StepTensors& t, const Tensor& task_loss, gan::Scalars&) override {
    target_ = t.fake.detach();
    return task_loss;
  }

  bool step(gan::Run& run, const data::Batch& batch, gan::Scalars& log) override {
    if (!unpaired_) {
      log = gan::prefixed("teacher_", gan::task_step(run, batch, this));
      const Tensor target = target_;
      target_ = Tensor();
      train_students(run, batch.a, target, nullptr, log);
      log.push_back({"crd_teacher_step", 1});
      log.push_back({"crd_student_step", 1});
      return true;
    }
    const int64_t teacher_steps = p_.save_epoch_freq * run.steps_per_epoch;  // per cycle
    const int64_t r = run.step % (teacher_steps * (1 + p_.n_dis));
    if (r < teacher_steps) {
      log = gan::prefixed("teacher_", gan::task_step(run, batch, nullptr));
      log.push_back({"crd_teacher_step", 1});
      log.push_back({"crd_student_step", 0});
      return true;
    }
    if (r == teacher_steps) select_teacher(run, log);
    Tensor target;
    {
      NoGradGuard ng;
      target = (*best_)(batch.a);
    }
    // Against the current teacher D, frozen: gradients pass through it to the students only.
    // In eval mode, so that a batch-norm D keeps its running statistics.
    nn::Module& D = run.module("D");
    nn::FreezeScope frozen(D);
    D.eval();
    train_students(run, batch.a, target, &D, log);
    D.train();
    log.push_back({"crd_teacher_step", 0});
    log.push_back({"crd_student_step", 1});
    return true;
  }

  // The best teacher itself is the run's network teacher_best (a snapshot, in the checkpoint).
  TensorMap state() const override {
    if (!unpaired_) return {};
    return {{"best_score", scalar(best_score_, DType::f64)}};
  }

  void load_state(const TensorMap& state) override {
    if (unpaired_) best_score_ = state.at("best_score").item();
  }

 private:
  // The end of a teacher phase: the teacher G is scored (gan::translation_score) and kept when
  // it is the best so far; the student phase distils the best one.
  void select_teacher(gan::Run& run, gan::Scalars& log) {
    const gan::TranslationScore s =
        gan::translation_score(run.spec, run.module("G"), p_.select_num);
    if (s.value < best_score_) {
      best_score_ = s.value;
      best_->load_state_dict(run.module("G").state_dict());
    }
    log.push_back({"teacher_" + s.metric, s.value});
    log.push_back({"teacher_best_" + s.metric, best_score_});
  }

  // The students' steps on input x toward the teacher's output `target`; with D (CycleGAN) each
  // gains the adversarial term gan_loss(D(out), real).
  void train_students(gan::Run& run, const Tensor& x, const Tensor& target, nn::Module* D,
                      gan::Scalars& log) {
    // The adversarial term, when D is given, added and logged as <prefix>gan.
    auto with_gan = [&](Tensor loss, const Tensor& out, const std::string& prefix) {
      if (!D) return loss;
      const Tensor adv = gan::g_loss(run.mode, (*D)(out));
      log.push_back({prefix + "gan", adv.item()});
      return loss + adv;
    };
    const Tensor out = run.module("student")(x);
    const Tensor loss = with_gan(crd_terms(run.module("phi"), out, target, log), out, "student_");
    log.push_back({"student_l1_to_teacher", l1_loss(out.detach(), target).item()});
    train_student(run, "student", loss, log, "student_");
    if (!p_.l1_student) return;
    const Tensor out_l1 = run.module("student_l1")(x);
    const Tensor l1 = l1_loss(out_l1, target);
    log.push_back({"student_l1_l1_to_teacher", l1.item()});
    train_student(run, "student_l1", with_gan(l1 * p_.l1_weight, out_l1, "student_l1_"), log,
                  "student_l1_");
  }

  // style_weight * style + feature_weight * feature + rkd_weight * (RKD rows + columns + patches),
  // the RKD summed over the batch's samples (pix2pix's reference) or averaged (CycleGAN's, at
  // batch 1 the same).
  Tensor crd_terms(nn::Module& phi, const Tensor& out, const Tensor& target, gan::Scalars& log) {
    Taps t_taps;
    {
      NoGradGuard ng;
      t_taps = taps_of(phi, target);
    }
    const Taps s_taps = taps_of(phi, out);
    const Tensor style = style_loss(s_taps.all, t_taps.all);
    const Tensor feature = feature_loss(s_taps.all[s_taps.feature], t_taps.all[t_taps.feature]);
    const double b = unpaired_ ? 1.0 : static_cast<double>(out.size(0));
    const Tensor rows = rkd_loss(slice_rows(out), slice_rows(target)) * b;
    const Tensor cols = rkd_loss(slice_columns(out), slice_columns(target)) * b;
    const Tensor patches =
        rkd_loss(slice_patches(out, p_.patch_size), slice_patches(target, p_.patch_size)) * b;
    log.push_back({"student_style", style.item()});
    log.push_back({"student_feature", feature.item()});
    log.push_back({"student_rkd_rows", rows.item()});
    log.push_back({"student_rkd_columns", cols.item()});
    log.push_back({"student_rkd_patches", patches.item()});
    return style * p_.style_weight + feature * p_.feature_weight +
           (rows + cols + patches) * p_.rkd_weight;
  }

  CrdParams p_;
  Tensor target_;
  bool unpaired_ = false;
  nn::ModulePtr best_;  // CycleGAN: the best teacher G so far (network teacher_best)
  double best_score_ = std::numeric_limits<double>::infinity();
};

const gan::RegisterTechnique registration{[] {
  gan::TechniqueInfo i;
  i.name = "crd";
  i.summary =
      "Content-relationship distillation (You et al. 2022): a mobile-ResNet student learns the "
      "relations among rows, columns and patches of an online teacher's output, with style and "
      "feature terms (CycleGAN and pix2pix schedules; docs/techniques/crd.md).";
  const double inf = std::numeric_limits<double>::infinity();
  i.params = {
      gan::fields::integer("student_ngf", 16, 1, inf, "the student mobile_resnet_generator's ngf"),
      gan::fields::integer("student_n_blocks", 9, 0, inf, "its residual blocks"),
      gan::fields::nullable(gan::fields::integer(
          "patch_size", nullptr, 1, inf,
          "side of the non-overlapping patches related; null = the largest divisor of the images' "
          "side up to an eighth of it (32 at 256)")),
      gan::fields::nullable(gan::fields::number(
          "rkd_weight", nullptr, 0, false, inf, false,
          "weight of each slicing's RKD; null = the reference's: 25 (CycleGAN, mean over the "
          "batch), 2.5 (pix2pix, summed over the batch)")),
      gan::fields::nullable(gan::fields::number(
          "style_weight", nullptr, 0, false, inf, false,
          "weight of the style term; null = 1e4 (CycleGAN), 2 x 1e4 (pix2pix)")),
      gan::fields::nullable(gan::fields::number(
          "feature_weight", nullptr, 0, false, inf, false,
          "weight of the feature term; null = 10 (CycleGAN), 2 x 10 (pix2pix)")),
      gan::fields::boolean("l1_student", false,
                           "also train network student_l1, the same student on l1_weight x "
                           "L1(student, teacher) (+ the adversarial term in CycleGAN) toward the "
                           "same targets: the plain-distillation baseline"),
      gan::fields::number("l1_weight", 10, 0, false, inf, false, "student_l1's L1 weight"),
      gan::fields::nullable(gan::fields::integer(
          "save_epoch_freq", nullptr, 1, inf,
          "CycleGAN: teacher epochs per cycle; null = 10 (pix2pix: must stay null)")),
      gan::fields::nullable(gan::fields::integer(
          "n_dis", nullptr, 1, inf,
          "CycleGAN: the student's epochs per teacher epoch of a cycle; null = 4")),
      gan::fields::integer("select_num", 500, 2, inf,
                           "CycleGAN: training examples the teacher G is scored on at the end of "
                           "each teacher phase (FD-FMNIST, or SWD off Fashion-MNIST)"),
      gan::fields::nullable(gan::fields::net_ref(
          "feature_net", "phi",
          "the frozen feature network: vgg16_features (converted from torchvision) or, the "
          "default on Fashion-MNIST, the shipped classifier (assets/fmnist_classifier)"))};
  i.networks = {{"student",
                 "the mobile ResNet student generator (deployed; student_l1 beside "
                 "it trains by the same section)"}};
  i.check = check_crd_spec;
  i.own_step = true;
  i.make = [](const json& spec) -> std::unique_ptr<gan::Technique> {
    return std::make_unique<CrdTechnique>(spec);
  };
  return i;
}()};

}  // namespace
}  // namespace ganlite::compress
