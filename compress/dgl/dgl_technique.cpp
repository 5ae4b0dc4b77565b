// The "dgl" technique: DGL-GAN's terms (dgl.h) as loss hooks on the task's own generation step,
// the frozen teacher D_t loaded by the run from the `teacher` reference, and its registration.
// The student is the run's G and D, narrower versions of the teacher's architecture set in the
// spec; D_t stays in eval mode (spectral-norm vectors frozen, unlike the reference code, whose
// D_t keeps its power iteration running).
#include <limits>
#include <memory>
#include <optional>

#include "compress/dgl/dgl.h"
#include "engine/autograd.h"
#include "engine/ops.h"
#include "gan/models/registry.h"
#include "gan/train/run.h"
#include "gan/train/spec.h"
#include "gan/train/steps.h"
#include "gan/train/task.h"
#include "gan/train/technique.h"

namespace ganlite::compress {
namespace {

using nlohmann::json;

constexpr const char* kTeacher = "D_t";

// "(1, 3, 32, 32) and 10 classes" / "... and no classes"
std::string input_desc(const Shape& in, int64_t classes) {
  return shape_str(in) + " images and " +
         (classes > 0 ? std::to_string(classes) + " classes" : std::string("no classes"));
}

// The teacher D must take the student's images and classes; else a spec error naming both.
void check_teacher(gan::Run& run) {
  const gan::Network& t = run.net(kTeacher);
  const int64_t t_classes = gan::conditional_classes(*t.module);
  const int64_t side = run.spec["data"]["image_size"].get<int64_t>();
  const json& d = run.spec["model"]["D"];
  const Shape s_in = gan::profile_input(d["name"].get<std::string>(),
                                        gan::spec_model_options(run.spec, "D"), 1, side, side);
  Shape t_in = s_in;
  std::string t_name = "(a state_dict)";
  if (!t.model.is_null()) {
    t_name = t.model["name"].get<std::string>();
    t_in = gan::profile_input(t_name, gan::model_options(t.model["options"]), 1, side, side);
  }
  if (t_in == s_in && t_classes == run.num_classes) return;
  std::string from = t.source ? t.source->file : "";
  if (t.source && t.source->step >= 0) from += " step " + std::to_string(t.source->step);
  throw gan::SpecError("/technique/params/teacher: the teacher D (" + t_name + ", " + from +
                       ") takes " + input_desc(t_in, t_classes) + "; the student (model.G " +
                       run.spec["model"]["G"]["name"].get<std::string>() + " on data " +
                       run.spec["data"]["dataset"].get<std::string>() + ") has " +
                       input_desc(s_in, run.num_classes));
}

class DglTechnique : public gan::Technique {
 public:
  explicit DglTechnique(const json& spec) : p_(dgl_params(spec)) {}

  std::string name() const override { return "dgl"; }

  void setup(gan::Run& run) override { check_teacher(run); }

  Tensor g_loss(gan::Run& run, gan::StepTensors& t, const Tensor& task_loss,
                gan::Scalars& log) override {
    const double a = dgl_alpha(p_, run.step);
    log.push_back({"dgl_stage", dgl_stage(p_, run.step)});
    log.push_back({"dgl_alpha", a});
    // The teacher's verdict on the student is logged in stage 1 as well, without a graph (no
    // weight moves by it, so a run with alpha 0 is the plain run, bit for bit).
    const bool used = a > 0 && p_.variant != DglVariant::teacher_weighted_d;
    std::optional<NoGradGuard> off;
    if (!used) off.emplace();
    const Tensor logits = teacher(run, t.fake, t.labels);
    const Tensor term = p_.variant == DglVariant::teacher_weighted_d
                            ? gan::g_loss(run.mode, logits)
                            : dgl_teacher_term(p_.variant, run.mode, logits);
    log.push_back({"g_loss_teacher", term.item()});
    return used ? task_loss + term * a : task_loss;
  }

  Tensor d_loss(gan::Run& run, gan::StepTensors& t, const Tensor& task_loss,
                gan::Scalars& log) override {
    if (p_.variant != DglVariant::teacher_weighted_d) return task_loss;
    Tensor t_real, t_fake;
    {
      NoGradGuard ng;
      t_real = teacher(run, t.real_a, t.real_labels);
      t_fake = teacher(run, t.fake, t.labels);
    }
    const double a = dgl_alpha(p_, run.step);
    std::optional<NoGradGuard> off;
    if (a == 0) off.emplace();
    const Tensor weighted = dgl_weighted_d_loss(t.real_logits, t.fake_logits, t_real, t_fake);
    log.push_back({"d_loss_weighted", weighted.item()});
    if (a == 0) return task_loss;
    // (1 - a) * logistic + a * weighted, the penalties already in task_loss kept.
    return task_loss + (weighted - gan::d_loss(run.mode, t.real_logits, t.fake_logits)) * a;
  }

 private:
  Tensor teacher(gan::Run& run, const Tensor& x, const Tensor& labels) const {
    return gan::forward_with_labels(run.module(kTeacher), x, labels);
  }

  DglParams p_;
};

const gan::RegisterTechnique registration{[] {
  gan::TechniqueInfo i;
  i.name = "dgl";
  i.summary =
      "DGL-GAN (Tian et al. 2022): a narrow student G also trains against the frozen "
      "discriminator of a wide teacher, switched on after a first stage "
      "(docs/techniques/dgl.md).";
  i.params = {
      gan::fields::net_ref(
          "teacher", kTeacher,
          "the teacher's discriminator, e.g. {\"run\": \"runs/sngan_cond_fmnist\", "
          "\"net\": \"D\"}; frozen, in eval mode"),
      gan::fields::choice("variant", {"plain", "dbar", "teacher_weighted_d"}, "plain",
                          "plain: alpha * the run's G loss on D_t; dbar: that term per sample "
                          "weighted by relu(-D_t); teacher_weighted_d: D's logistic loss weighted "
                          "by the teacher's probabilities (G unchanged)"),
      gan::fields::nullable(gan::fields::number(
          "alpha", nullptr, 0, false, std::numeric_limits<double>::infinity(), false,
          "the teacher's weight in stage 2; null = 0.5 for plain with the vanilla loss "
          "(StyleGAN2), 0.1 for plain otherwise and dbar, 1 for teacher_weighted_d (its mix of "
          "the weighted and the plain D loss, in [0, 1])")),
      gan::fields::nullable(gan::fields::integer(
          "stage1_steps", nullptr, 0, std::numeric_limits<double>::infinity(),
          "steps without the teacher term before it switches on; null = half of "
          "schedule.steps"))};
  i.check = check_dgl_spec;
  i.make = [](const json& spec) -> std::unique_ptr<gan::Technique> {
    return std::make_unique<DglTechnique>(spec);
  };
  return i;
}()};

}  // namespace
}  // namespace ganlite::compress
