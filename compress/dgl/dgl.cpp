// DGL-GAN's losses, stages and spec rules (see dgl.h; maths in docs/techniques/dgl.md).
#include "compress/dgl/dgl.h"

#include "engine/autograd.h"
#include "engine/error.h"
#include "engine/ops.h"
#include "gan/train/spec.h"
#include "gan/train/task.h"

namespace ganlite::compress {

using nlohmann::json;

namespace {

constexpr const char* kParams = "/technique/params";

}  // namespace

DglVariant parse_dgl_variant(const std::string& name) {
  if (name == "plain") return DglVariant::plain;
  if (name == "dbar") return DglVariant::dbar;
  if (name == "teacher_weighted_d") return DglVariant::teacher_weighted_d;
  GANLITE_FAIL("dgl: variant '", name, "' is not one of plain, dbar, teacher_weighted_d");
}

const char* dgl_variant_name(DglVariant v) {
  switch (v) {
    case DglVariant::plain:
      return "plain";
    case DglVariant::dbar:
      return "dbar";
    case DglVariant::teacher_weighted_d:
      return "teacher_weighted_d";
  }
  return "?";
}

void check_dgl_spec(json& spec) {
  const std::string ptr = kParams;
  if (gan::task_kind(spec) != gan::TaskKind::generation)
    gan::spec_error(
        "/technique/name",
        "dgl guides a generator from noise with the teacher's discriminator; this spec's "
        "task is " +
            std::string(gan::task_kind_name(gan::task_kind(spec))) + " (data.dataset \"" +
            spec["data"]["dataset"].get<std::string>() + "\")");
  json& p = spec["technique"]["params"];
  const DglVariant v = parse_dgl_variant(p.at("variant").get<std::string>());
  const std::string mode = spec.at("losses").at("gan_mode").get<std::string>();
  if (v == DglVariant::teacher_weighted_d) {
    if (mode != "vanilla")
      gan::spec_error(
          "/losses/gan_mode",
          "variant teacher_weighted_d weights D's logistic loss: set it to \"vanilla\", "
          "got \"" +
              mode + "\"");
    if (spec["losses"]["r1_gamma"].get<double>() <= 0)
      gan::spec_error("/losses/r1_gamma",
                      "variant teacher_weighted_d is D's weighted logistic loss plus R1 on D: set "
                      "r1_gamma > 0 (the reference: 10)");
  }
  if (p["alpha"].is_null())
    p["alpha"] = v == DglVariant::teacher_weighted_d           ? 1.0
                 : v == DglVariant::plain && mode == "vanilla" ? 0.5
                                                               : 0.1;
  if (v == DglVariant::teacher_weighted_d && p["alpha"].get<double>() > 1)
    gan::spec_error(
        ptr + "/alpha",
        "variant teacher_weighted_d mixes the plain and the weighted D loss: alpha is in "
        "[0, 1] (1: the weighted loss alone), got " +
            p["alpha"].dump());
  if (p["stage1_steps"].is_null()) {
    if (spec["schedule"]["epochs"].get<int64_t>() > 0)
      gan::spec_error(ptr + "/stage1_steps",
                      "the schedule counts epochs: give the steps of stage 1 (without the teacher "
                      "term) explicitly");
    p["stage1_steps"] = spec["schedule"]["steps"].get<int64_t>() / 2;
  }
}

DglParams dgl_params(const json& spec) {
  const json& p = spec.at("technique").at("params");
  DglParams out;
  out.variant = parse_dgl_variant(p.at("variant").get<std::string>());
  out.alpha = p.at("alpha").get<double>();
  out.stage1_steps = p.at("stage1_steps").get<int64_t>();
  return out;
}

int dgl_stage(const DglParams& p, int64_t step) {
  return step < p.stage1_steps ? 1 : 2;
}

double dgl_alpha(const DglParams& p, int64_t step) {
  return dgl_stage(p, step) == 1 ? 0.0 : p.alpha;
}

Tensor dgl_teacher_term(DglVariant v, gan::GanMode mode, const Tensor& t) {
  switch (v) {
    case DglVariant::plain:
      return gan::g_loss(mode, t);
    case DglVariant::dbar:
      // Only samples the teacher finds fake (D_t < 0) count, each as much as it is fake.
      return mean(relu(-t.detach()) * gan::g_loss_elements(mode, t));
    case DglVariant::teacher_weighted_d:
      break;
  }
  GANLITE_FAIL("dgl: variant ", dgl_variant_name(v), " adds no term to G's loss");
}

Tensor dgl_weighted_d_loss(const Tensor& real, const Tensor& fake, const Tensor& t_real,
                           const Tensor& t_fake) {
  GANLITE_CHECK(real.shape() == t_real.shape() && fake.shape() == t_fake.shape(),
                "dgl: the teacher's logits ", t_real.shape_str(), " / ", t_fake.shape_str(),
                " do not match the student's ", real.shape_str(), " / ", fake.shape_str());
  const Tensor w_fake = 1.0 - sigmoid(t_fake.detach()), w_real = sigmoid(t_real.detach());
  return mean(w_fake * softplus(fake)) + mean(w_real * softplus(-real));
}

}  // namespace ganlite::compress
