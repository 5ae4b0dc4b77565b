// The "slimgan" technique: SlimGAN's whole step (slimgan.h) plugged into the trainer, its
// declared parameters, its export (one width as a dense network) and its report rows (one per
// width). The spec names the slim nets (model.G slim_sngan_generator, model.D
// slim_sngan_discriminator), so the run builds them, their optimizers and their checkpoints as
// for any other net.
#include <cstdio>
#include <limits>
#include <memory>

#include "compress/slimgan/slimgan.h"
#include "gan/models/slim_sngan.h"
#include "nn/slim.h"

namespace ganlite::compress {
namespace {

using nlohmann::json;

class SlimGanTechnique : public gan::Technique {
 public:
  explicit SlimGanTechnique(const json& spec) : p_(slimgan_params(spec)) {}

  std::string name() const override { return "slimgan"; }

  void setup(gan::Run& run) override { widest(run); }

  bool step(gan::Run& run, const data::Batch& batch, gan::Scalars& log) override {
    SlimGanNets nets{run.module("G"),
                     run.module("D"),
                     run.opt("G"),
                     run.opt("D"),
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
    nn::set_width_mult(run.module("G"), p_.widths.back());
    nn::set_width_mult(run.module("D"), p_.widths.back());
  }

  SlimGanParams p_;
};

// `ganlite export RUN --width W`: width W as a dense checkpoint; without --width the generic
// export.
std::string export_one_width(const gan::RunCheckpoint& c, const gan::ExportRequest& r) {
  if (!r.options.contains("width")) return "";
  const double width = r.options["width"];
  const Safetensors e = export_slimgan_width(c, width);
  save_safetensors(r.output, e.tensors, e.metadata);
  return "width " + e.metadata.at("width") + " (step " + std::to_string(c.step) +
         "): " + e.metadata.at("G.model") + " " + e.metadata.at("G.options");
}

// One report row per width: the deploy network (G, or its EMA) at that width, deployed as its
// dense export.
std::vector<gan::ReportVariant> width_rows(const gan::RunCheckpoint& c) {
  std::vector<gan::ReportVariant> rows;
  for (double w : slimgan_params(c.spec).widths) {
    gan::ReportVariant v;
    v.keys["width"] = w;
    v.net = gan::load_network(c);
    nn::set_width_mult(*v.net, w);
    const gan::DenseExport e = gan::export_width(dynamic_cast<gan::SlimSnganGenerator&>(*v.net), w);
    v.dense = gan::make_model(e.model, e.options);
    v.dense->load_state_dict(e.state);
    v.dense->eval();
    rows.push_back(std::move(v));
  }
  return rows;
}

const gan::RegisterTechnique registration{[] {
  gan::TechniqueInfo i;
  i.name = "slimgan";
  i.summary =
      "Slimmable GAN (Hou et al., AAAI 2021): one generator trained at several widths against one "
      "discriminator per width, with stepwise in-place distillation (docs/techniques/slimgan.md).";
  i.params = {
      gan::fields::nullable(gan::fields::number_list(
          "widths", nullptr, 0, true, 1, false,
          "G's width multipliers, strictly ascending; null = model.G.options.widths (given, it "
          "must equal them)")),
      gan::fields::number("alpha", 10.0, 0, false, std::numeric_limits<double>::infinity(), false,
                          "distillation weight (SlimGAN: 10 conditional, 20 unconditional); 0 = "
                          "off"),
      gan::fields::nullable(gan::fields::integer(
          "n_share", nullptr, -1, 4,
          "D blocks shared by every width, -1 = only the head; null = model.D.options.n_share "
          "(given, it must equal it)")),
      gan::fields::boolean("stepwise", true,
                           "each width distils from the next wider one; false: every width from "
                           "the widest")};
  i.check = check_slimgan_spec;
  i.own_step = true;
  i.make = [](const json& spec) -> std::unique_ptr<gan::Technique> {
    return std::make_unique<SlimGanTechnique>(spec);
  };
  i.export_run = export_one_width;
  i.report_variants = width_rows;
  return i;
}()};

}  // namespace
}  // namespace ganlite::compress
