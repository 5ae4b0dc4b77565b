// The "crd" technique (content-relationship distillation; techniques.md sec. 5), pix2pix
// schedule: the run's G and D are the teacher pair, trained online by the task's own step (its
// losses: hinge and L1 in the reference recipe); each step the student, a mobile ResNet generator
// of its own (network "student", the deploy network), then takes a step on
//   L_S = style_weight * style + feature_weight * feature
//         + rkd_weight * sum over samples of (RKD rows + RKD columns + RKD patches)
// against the teacher's output on the same input (its fake of that step, before its update, as in
// the reference), without an adversarial term (the reference's pix2pix student has none). The style
// and feature terms run on a frozen feature network (network "phi"): VGG16 taps on (x + 1) / 2, or
// on Fashion-MNIST tasks by default the shipped classifier's conv taps on x. The CycleGAN schedule
// (the student's epochs against a frozen teacher D between teacher epochs) is not built yet: the
// spec refuses unpaired tasks.
#include <limits>
#include <memory>

#include "compress/crd/perceptual.h"
#include "compress/crd/relation.h"
#include "engine/autograd.h"
#include "engine/ops.h"
#include "gan/eval/fmnist_eval.h"
#include "gan/models/fmnist_classifier.h"
#include "gan/models/registry.h"
#include "gan/models/vgg16.h"
#include "gan/train/run.h"
#include "gan/train/spec.h"
#include "gan/train/steps.h"
#include "gan/train/task.h"
#include "gan/train/technique.h"

namespace ganlite::compress {
namespace {

using nlohmann::json;

constexpr const char* kParams = "/technique/params";

struct CrdParams {
  int64_t student_ngf = 16, student_n_blocks = 9, patch_size = 0;
  double rkd_weight = 2.5, style_weight = 2e4, feature_weight = 20;
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
  return c;
}

void check_crd_spec(json& spec) {
  const std::string ptr = kParams;
  const gan::TaskKind task = gan::task_kind(spec);
  if (task == gan::TaskKind::unpaired)
    gan::spec_error("/technique/name",
                    "crd's CycleGAN schedule (the student's epochs against the frozen teacher D "
                    "between teacher epochs) is not built yet; crd trains paired (pix2pix) tasks");
  if (task != gan::TaskKind::paired)
    gan::spec_error("/technique/name",
                    "crd distils an image-to-image generator; this spec's task is " +
                        std::string(gan::task_kind_name(task)));
  json& p = spec["technique"]["params"];
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
    run.deploy = "student";
  }

  // The teacher's fake of the task's step (train mode, before its update), as the reference's
  // forward computes it once for both: the student's target.
  Tensor g_loss(gan::Run&, gan::StepTensors& t, const Tensor& task_loss, gan::Scalars&) override {
    target_ = t.fake.detach();
    return task_loss;
  }

  bool step(gan::Run& run, const data::Batch& batch, gan::Scalars& log) override {
    log = gan::prefixed("teacher_", gan::task_step(run, batch, this));
    nn::Module& student = run.module("student");
    nn::Module& phi = run.module("phi");
    const Tensor target = target_;
    target_ = Tensor();
    Taps t_taps;
    {
      NoGradGuard ng;
      t_taps = taps_of(phi, target);
    }
    const Tensor out = student(batch.a);
    const Taps s_taps = taps_of(phi, out);
    const Tensor style = style_loss(s_taps.all, t_taps.all);
    const Tensor feature = feature_loss(s_taps.all[s_taps.feature], t_taps.all[t_taps.feature]);
    const double b = static_cast<double>(out.size(0));  // the reference sums RKD over samples
    const Tensor rows = rkd_loss(slice_rows(out), slice_rows(target)) * b;
    const Tensor cols = rkd_loss(slice_columns(out), slice_columns(target)) * b;
    const Tensor patches =
        rkd_loss(slice_patches(out, p_.patch_size), slice_patches(target, p_.patch_size)) * b;
    const Tensor loss = style * p_.style_weight + feature * p_.feature_weight +
                        (rows + cols + patches) * p_.rkd_weight;
    for (nn::Optimizer* o : run.optimizers("student")) o->zero_grad();
    loss.backward();
    for (nn::Optimizer* o : run.optimizers("student")) o->step();
    log.push_back({"student_loss", loss.item()});
    log.push_back({"student_style", style.item()});
    log.push_back({"student_feature", feature.item()});
    log.push_back({"student_rkd_rows", rows.item()});
    log.push_back({"student_rkd_columns", cols.item()});
    log.push_back({"student_rkd_patches", patches.item()});
    log.push_back({"student_l1_to_teacher", l1_loss(out.detach(), target).item()});
    return true;
  }

 private:
  CrdParams p_;
  Tensor target_;
};

const gan::RegisterTechnique registration{[] {
  gan::TechniqueInfo i;
  i.name = "crd";
  i.summary =
      "Content-relationship distillation (You et al. 2022): a mobile-ResNet student learns the "
      "relations among rows, columns and patches of an online teacher's output, with style and "
      "feature terms (pix2pix schedule; docs/techniques/crd.md).";
  const double inf = std::numeric_limits<double>::infinity();
  i.params = {
      gan::fields::integer("student_ngf", 16, 1, inf, "the student mobile_resnet_generator's ngf"),
      gan::fields::integer("student_n_blocks", 9, 0, inf, "its residual blocks"),
      gan::fields::nullable(gan::fields::integer(
          "patch_size", nullptr, 1, inf,
          "side of the non-overlapping patches related; null = the largest divisor of the images' "
          "side up to an eighth of it (32 at 256)")),
      gan::fields::number("rkd_weight", 2.5, 0, false, inf, false,
                          "weight of each slicing's RKD, summed over the batch (pix2pix: 2.5)"),
      gan::fields::number("style_weight", 2e4, 0, false, inf, false,
                          "weight of the style term (pix2pix: 2 x 1e4)"),
      gan::fields::number("feature_weight", 20, 0, false, inf, false,
                          "weight of the feature term (pix2pix: 2 x 10)"),
      gan::fields::nullable(gan::fields::net_ref(
          "feature_net", "phi",
          "the frozen feature network: vgg16_features (converted from torchvision) or, the "
          "default on Fashion-MNIST, the shipped classifier (assets/fmnist_classifier)"))};
  i.networks = {{"student", "the mobile ResNet student generator (deployed)"}};
  i.check = check_crd_spec;
  i.own_step = true;
  i.make = [](const json& spec) -> std::unique_ptr<gan::Technique> {
    return std::make_unique<CrdTechnique>(spec);
  };
  return i;
}()};

}  // namespace
}  // namespace ganlite::compress
