// SlimGAN's steps, parameters and export (see slimgan.h; maths in docs/techniques/slimgan.md).
// Gradients of the per-width terms are accumulated by one backward each, as SlimGAN's code does,
// so only one width's graph is alive at a time in the adversarial part; the optimizers step once.
#include "compress/slimgan/slimgan.h"

#include <algorithm>
#include <cmath>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "gan/models/slim_sngan.h"
#include "gan/train/spec.h"
#include "nn/cond_bn.h"
#include "nn/scope.h"
#include "nn/slim.h"

namespace ganlite::compress {

using nlohmann::json;

namespace {

constexpr const char* kParams = "/technique/params";

std::string list_string(const std::vector<double>& widths) {
  return "[" + gan::widths_string(widths) + "]";
}

// The widths a slim model option names, or the model's default, checked as the registry would.
std::vector<double> option_widths(const json& options, const std::string& pointer) {
  if (!options.contains("widths")) return nn::kSlimWidths;
  const json& v = options["widths"];
  std::string text = v.is_string() ? v.get<std::string>() : v.dump();
  try {
    return gan::parse_widths(text, pointer + "/widths");
  } catch (const Error& e) {
    throw gan::SpecError(without_location(e));
  }
}

Tensor discriminate(nn::Module& D, double width, const Tensor& x, const Tensor& labels) {
  nn::set_width_mult(D, width);
  if (labels.defined()) nn::set_labels(D, labels);
  return D(x);
}

json options_json(const gan::Options& o) {
  json j = json::object();
  for (const auto& [k, v] : o) j[k] = v;
  return j;
}

// The dense nets' options are integers: back to JSON numbers for the spec.
json numeric_options_json(const gan::Options& o) {
  json j = json::object();
  for (const auto& [k, v] : o) j[k] = json::parse(v);
  return j;
}

}  // namespace

std::string width_label(double width) {
  return gan::widths_string({width});
}

void check_slimgan_spec(json& spec) {
  const json& g = spec.at("model").at("G");
  const std::string gname = g.at("name").get<std::string>();
  if (gname != "slim_sngan_generator")
    gan::spec_error("/model/G/name",
                    "slimgan trains slim_sngan_generator (options z_dim, ch, "
                    "output_nc, num_classes, widths), got \"" +
                        gname + "\"");
  const json& d = spec.at("model").at("D");
  const std::string dname = d.at("name").get<std::string>();
  if (dname != "slim_sngan_discriminator")
    gan::spec_error("/model/D/name",
                    "slimgan trains slim_sngan_discriminator (options input_nc, ndf, "
                    "num_classes, widths, n_share), got \"" +
                        dname + "\"");
  const std::vector<double> g_widths = option_widths(g.at("options"), "/model/G/options");
  const std::vector<double> d_widths = option_widths(d.at("options"), "/model/D/options");
  if (d_widths != g_widths)
    gan::spec_error(
        "/model/D/options/widths",
        list_string(d_widths) + " differs from model.G's widths " + list_string(g_widths));
  int64_t n_share = gan::SlimSnganDiscriminatorOptions{}.n_share;
  if (d.at("options").contains("n_share")) {
    const json& n = d["options"]["n_share"];
    try {
      n_share = n.is_string() ? std::stoll(n.get<std::string>()) : n.get<int64_t>();
    } catch (const std::exception&) {
      gan::spec_error("/model/D/options/n_share", "expected an integer, got " + n.dump());
    }
  }
  json& params = spec["technique"]["params"];
  const std::string ptr = kParams;
  if (params["widths"].is_null()) {
    params["widths"] = g_widths;
  } else {
    const std::vector<double> w = params["widths"].get<std::vector<double>>();
    try {
      gan::check_widths("slimgan", w);
    } catch (const Error& e) {
      gan::spec_error(ptr + "/widths", without_location(e));
    }
    if (w != g_widths)
      gan::spec_error(ptr + "/widths", list_string(w) + " differs from model.G's widths " +
                                           list_string(g_widths) +
                                           " (model.G.options.widths, default 0.25,0.5,0.75,1)");
  }
  if (params["n_share"].is_null()) {
    params["n_share"] = n_share;
  } else if (params["n_share"].get<int64_t>() != n_share) {
    gan::spec_error(ptr + "/n_share",
                    params["n_share"].dump() + " differs from model.D's n_share " +
                        std::to_string(n_share) + " (model.D.options.n_share, default 2)");
  }
  const std::string mode = spec.at("losses").at("gan_mode").get<std::string>();
  if (mode != "hinge")
    gan::spec_error(
        "/losses/gan_mode",
        "slimgan trains with the hinge loss; set it to \"hinge\", got \"" + mode + "\"");
}

SlimGanParams slimgan_params(const json& spec) {
  const json& p = spec.at("technique").at("params");
  SlimGanParams out;
  out.widths = p.at("widths").get<std::vector<double>>();
  out.alpha = p.at("alpha").get<double>();
  out.n_share = p.at("n_share").get<int64_t>();
  out.stepwise = p.at("stepwise").get<bool>();
  return out;
}

Tensor generate_at(nn::Module& G, double width, const Tensor& z, const Tensor& labels) {
  nn::set_width_mult(G, width);
  if (labels.defined()) nn::set_labels(G, labels);
  return G(z);
}

Tensor distillation_loss(nn::Module& G, const std::vector<double>& widths, double alpha,
                         bool stepwise, const Tensor& z, const Tensor& labels,
                         std::vector<double>* pair_mse) {
  const size_t K = widths.size();
  if (pair_mse) pair_mse->clear();
  if (K < 2 || alpha == 0) {
    if (!widths.empty()) nn::set_width_mult(G, widths.back());
    return Tensor();
  }
  std::vector<Tensor> out(K);
  // The widest output is only ever a target: no graph for it.
  {
    NoGradGuard ng;
    out[K - 1] = generate_at(G, widths[K - 1], z, labels);
  }
  for (size_t i = 0; i + 1 < K; ++i) out[i] = generate_at(G, widths[i], z, labels);
  nn::set_width_mult(G, widths.back());
  Tensor total;
  for (size_t i = 0; i + 1 < K; ++i) {
    Tensor target = (stepwise ? out[i + 1] : out[K - 1]).detach();
    Tensor mse = mse_loss(out[i], target);
    if (pair_mse) pair_mse->push_back(mse.item());
    total = total.defined() ? total + mse : mse;
  }
  return total * (alpha / static_cast<double>(K - 1));
}

void slimgan_d_step(SlimGanNets& nets, const SlimGanParams& p, gan::GanMode mode,
                    const Tensor& real, const Tensor& real_labels, gan::Scalars& log) {
  const int64_t n = real.size(0);
  nets.opt_D.zero_grad();
  double total = 0;
  gan::Scalars per;
  for (double w : p.widths) {
    Tensor z = nets.sample_latent(n), y = nets.sample_labels(n);
    Tensor fake;
    {
      NoGradGuard ng;  // sg(G_w(z)): no graph through G
      fake = generate_at(nets.G, w, z, y);
    }
    Tensor loss = gan::d_loss(mode, discriminate(nets.D, w, real, real_labels),
                              discriminate(nets.D, w, fake, y));
    loss.backward();
    total += loss.item();
    per.emplace_back("d_loss_" + width_label(w), loss.item());
  }
  nets.opt_D.step();
  log.emplace_back("d_loss", total);
  log.insert(log.end(), per.begin(), per.end());
}

void slimgan_g_step(SlimGanNets& nets, const SlimGanParams& p, gan::GanMode mode, int64_t batch,
                    gan::Scalars& log) {
  nn::FreezeScope frozen(nets.D);
  nets.opt_G.zero_grad();
  double total = 0;
  gan::Scalars per;
  for (double w : p.widths) {
    Tensor z = nets.sample_latent(batch), y = nets.sample_labels(batch);
    Tensor fake = generate_at(nets.G, w, z, y);
    Tensor loss = gan::g_loss(mode, discriminate(nets.D, w, fake, y));
    loss.backward();
    total += loss.item();
    per.emplace_back("g_loss_" + width_label(w), loss.item());
  }
  double distill = 0;
  if (p.alpha > 0 && p.widths.size() > 1) {
    // One latent batch shared by every width: the widths are compared on the same samples.
    Tensor z = nets.sample_latent(batch), y = nets.sample_labels(batch);
    std::vector<double> mse;
    Tensor kd = distillation_loss(nets.G, p.widths, p.alpha, p.stepwise, z, y, &mse);
    kd.backward();
    distill = kd.item();
    for (size_t i = 0; i < mse.size(); ++i)
      per.emplace_back("distill_" + width_label(p.widths[i]), mse[i]);
  }
  nets.opt_G.step();
  log.emplace_back("g_loss", total);
  log.emplace_back("distill", distill);
  log.insert(log.end(), per.begin(), per.end());
}

Safetensors export_slimgan_width(const gan::RunCheckpoint& ckpt, double width) {
  const json& spec = ckpt.spec;
  const TensorMap& tensors = ckpt.tensors;
  if (!spec.at("technique").at("name").is_string() ||
      spec["technique"]["name"].get<std::string>() != "slimgan")
    throw Error("export: the checkpoint's run has technique " + spec["technique"]["name"].dump() +
                ", not slimgan");
  const SlimGanParams p = slimgan_params(spec);
  gan::width_index("export", p.widths, width);  // before any loading
  // The deploy network: the EMA generator when the run keeps one.
  auto G = std::dynamic_pointer_cast<gan::SlimSnganGenerator>(gan::load_network(ckpt));
  GANLITE_CHECK(G, "export: the deploy network is not a slim_sngan_generator");
  const gan::DenseExport eg = gan::export_width(*G, width);

  Safetensors out;
  json plain = spec;
  plain["technique"] = {{"name", nullptr}, {"params", json::object()}};
  plain["name"] = spec.at("name").get<std::string>() + "_w" + width_label(width);
  plain["model"]["G"] = {{"name", eg.model}, {"options", numeric_options_json(eg.options)}};
  for (const auto& [k, v] : eg.state) out.tensors["G." + k] = v;
  out.metadata["G.model"] = eg.model;
  out.metadata["G.options"] = options_json(eg.options).dump();

  // D: that width's dense D, with its tensors when the checkpoint has them.
  const bool has_d = std::any_of(tensors.begin(), tensors.end(),
                                 [](const auto& kv) { return kv.first.rfind("D.", 0) == 0; });
  nn::ModulePtr d_net =
      has_d ? gan::load_network(ckpt, "D")
            : gan::make_model("slim_sngan_discriminator", gan::spec_model_options(spec, "D"));
  auto D = std::dynamic_pointer_cast<gan::SlimSnganDiscriminator>(d_net);
  GANLITE_CHECK(D, "export: model.D is not a slim_sngan_discriminator");
  const gan::DenseExport ed = gan::export_width(*D, width);
  plain["model"]["D"] = {{"name", ed.model}, {"options", numeric_options_json(ed.options)}};
  if (has_d)
    for (const auto& [k, v] : ed.state) out.tensors["D." + k] = v;
  out.metadata["D.model"] = ed.model;
  out.metadata["D.options"] = options_json(ed.options).dump();

  out.metadata["spec"] = gan::resolve_spec(plain).dump();
  out.metadata["step"] = std::to_string(ckpt.step);
  out.metadata["width"] = width_label(width);
  out.metadata["source_spec"] = spec.dump();
  return out;
}

}  // namespace ganlite::compress
