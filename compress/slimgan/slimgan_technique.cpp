// The "slimgan" technique: SlimGAN's whole step (slimgan.h) plugged into gan/train/trainer.h. The spec
// names the slim nets (model.G slim_sngan_generator, model.D slim_sngan_discriminator), so the
// trainer builds them, their optimizers and their checkpoints as for any other net.
#include <memory>

#include "compress/slimgan/slimgan.h"
#include "gan/models/slim_sngan.h"
#include "nn/slim.h"

namespace ganlite::compress {
namespace {

class SlimGanTechnique : public gan::Technique {
 public:
  explicit SlimGanTechnique(const nlohmann::json& spec) : p_(parse_slimgan_params(spec)) {}

  std::string name() const override { return "slimgan"; }

  void setup(gan::Run& run) override {
    // parse_slimgan_params checked the names; the nets are what they name.
    GANLITE_CHECK(dynamic_cast<gan::SlimSnganGenerator*>(run.G.get()) &&
                      dynamic_cast<gan::SlimSnganDiscriminator*>(run.D.get()),
                  "slimgan: the run's G and D are not slim_sngan_generator/discriminator");
    GANLITE_CHECK(run.task == gan::TaskKind::generation, "slimgan: needs a generation task, got ",
                  gan::task_kind_name(run.task));
    widest(run);
  }

  bool step(gan::Run& run, const data::Batch& batch, gan::Scalars& log) override {
    SlimGanNets nets{*run.G,
                     *run.D,
                     *run.opt_G,
                     *run.opt_D,
                     [&run](int64_t n) { return run.sample_latent(n); },
                     [&run](int64_t n) { return run.sample_labels(n); }};
    Tensor real_labels = run.num_classes > 0 ? batch.labels : Tensor();
    slimgan_d_step(nets, p_, run.mode, batch.a, real_labels, log);
    slimgan_g_step(nets, p_, run.mode, batch.a.size(0), log);
    widest(run);
    return true;
  }

 private:
  // Between steps G and D run at the widest width: samples and evaluation see the full G.
  void widest(gan::Run& run) const {
    nn::set_width_mult(*run.G, p_.widths.back());
    nn::set_width_mult(*run.D, p_.widths.back());
  }

  SlimGanParams p_;
};

}  // namespace

std::unique_ptr<gan::Technique> make_slimgan(const nlohmann::json& resolved_spec) {
  return std::make_unique<SlimGanTechnique>(resolved_spec);
}

}  // namespace ganlite::compress
