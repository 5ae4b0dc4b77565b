// The osgan technique: gan::Technique hooks around osgan_step (compress/osgan/osgan.cpp). It
// replaces the task's whole generation step, drawing z and the labels from the run's generator
// in the order the task's own step does.
#include <utility>

#include "compress/osgan/osgan.h"
#include "engine/error.h"

namespace ganlite::compress {

void OsganTechnique::setup(gan::Run& run) {
  GANLITE_CHECK(run.task == gan::TaskKind::generation,
                "osgan: one-stage training is implemented for the generation task (noise -> "
                "image), not ",
                gan::task_kind_name(run.task));
  GANLITE_CHECK(run.G && run.D && run.opt_G && run.opt_D, "osgan: the run has no G/D to train");
  mode_ = resolve_osgan_mode(params_.mode, run.mode);
  // A batch-statistics D (BatchNorm) sees real and fake in separate forwards, as in two-stage
  // training; symmetric mode is exact for it, asymmetric mode is not.
  concat_ = find_sample_coupling(*run.D).empty();
  if (mode_ == OsganMode::asymmetric) check_per_sample(*run.D, "osgan (asymmetric mode)");
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
  GanFns nets{[&run](const Tensor& z, const Tensor& y) { return run.generate(z, y); },
              [&run](const Tensor& x, const Tensor& y) { return run.discriminate(x, y); }};
  OsganOptions options;
  options.mode = mode_;
  options.concat = concat_;
  const StepStats s =
      osgan_step(nets, *run.opt_G, *run.opt_D, run.mode, options, b, params_.clip_d);
  for (auto& kv : s.scalars()) log.push_back(kv);
  return true;
}

std::unique_ptr<gan::Technique> make_osgan(const nlohmann::json& resolved_spec) {
  return std::make_unique<OsganTechnique>(parse_osgan_params(resolved_spec));
}

}  // namespace ganlite::compress
