// The osgan technique: gan::Technique hooks around osgan_step (compress/osgan/osgan.cpp), and its
// registration. It replaces the task's whole generation step, drawing z and the labels from the
// run's generator in the order the task's own step does.
#include <limits>
#include <utility>

#include "compress/osgan/osgan.h"
#include "engine/error.h"

namespace ganlite::compress {

void OsganTechnique::setup(gan::Run& run) {
  // A batch-statistics D (BatchNorm) sees real and fake in separate forwards, as in two-stage
  // training; symmetric mode is exact for it, asymmetric mode is not.
  options_.mode = resolve_osgan_mode(params_.mode, run.mode);
  options_.concat = find_sample_coupling(run.module("D")).empty();
  if (options_.mode == OsganMode::asymmetric)
    check_per_sample(run.module("D"), "osgan (asymmetric mode)");
  ready_ = true;
}

bool OsganTechnique::step(gan::Run& run, const data::Batch& batch, gan::Scalars& log) {
  GANLITE_CHECK(ready_, "osgan: step before setup");
  const int64_t n = batch.a.size(0);
  GanBatch b;
  b.real = batch.a;
  b.z = run.sample_latent(n);
  b.labels = run.sample_labels(n);
  if (b.labels.defined()) b.real_labels = batch.labels;
  const StepStats s = osgan_step(gan::gan_fns(run.module("G"), run.module("D")), run.opt("G"),
                                 run.opt("D"), run.mode, options_, b, params_.clip_d);
  for (auto& kv : s.scalars()) log.push_back(kv);
  return true;
}

namespace {

void check_osgan_spec(nlohmann::json& spec) {
  if (gan::task_kind(spec) != gan::TaskKind::generation)
    throw gan::SpecError(
        "/technique/name: osgan trains the generation task (noise -> image); "
        "this spec's is " +
        std::string(gan::task_kind_name(gan::task_kind(spec))) + " (data.dataset \"" +
        spec["data"]["dataset"].get<std::string>() + "\")");
}

const gan::RegisterTechnique registration{[] {
  gan::TechniqueInfo i;
  i.name = "osgan";
  i.summary =
      "One-stage GAN training (Shen et al., CVPR 2021): one forward of G and D and one backward "
      "give D the gradient of L_D and G that of L_G (docs/techniques/osgan.md).";
  i.params = {
      gan::fields::choice("mode", {"auto", "symmetric", "asymmetric"}, "auto",
                          "auto: symmetric for the wgan loss, asymmetric otherwise; symmetric "
                          "negates G's gradient; asymmetric rescales it per sample"),
      gan::fields::number("clip_d", 0.0, 0, false, std::numeric_limits<double>::infinity(), false,
                          "after each step clamp D's parameters to [-clip_d, clip_d] (WGAN weight "
                          "clipping); 0 = off")};
  i.check = check_osgan_spec;
  i.own_step = true;
  i.make = [](const nlohmann::json& spec) -> std::unique_ptr<gan::Technique> {
    return std::make_unique<OsganTechnique>(osgan_params(spec));
  };
  return i;
}()};

}  // namespace
}  // namespace ganlite::compress
