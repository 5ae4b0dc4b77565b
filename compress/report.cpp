#include "compress/report.h"

#include <cstdio>

#include "compress/slimgan/slimgan.h"
#include "engine/autograd.h"
#include "engine/image.h"
#include "engine/ops.h"
#include "gan/eval/evaluate.h"
#include "gan/eval/fmnist_eval.h"
#include "gan/models/slim_sngan.h"
#include "nn/cond_bn.h"
#include "nn/profile.h"
#include "nn/slim.h"

namespace ganlite::compress {
namespace {

using nlohmann::ordered_json;

bool is_slimgan(const gan::RunCheckpoint& c) {
  const auto& n = c.spec["technique"]["name"];
  return n.is_string() && n.get<std::string>() == "slimgan";
}

// The dense network a width runs as: the export for SlimGAN, the generator itself otherwise.
nn::ModulePtr dense_at(nn::Module& G, bool slim, double width, const nn::ModulePtr& self) {
  if (!slim) return self;
  const gan::DenseExport e = gan::export_width(dynamic_cast<gan::SlimSnganGenerator&>(G), width);
  nn::ModulePtr net = gan::make_model(e.model, e.options);
  net->load_state_dict(e.state);
  net->eval();
  return net;
}

Tensor run_G(nn::Module& G, const Tensor& z, const Tensor& y) {
  NoGradGuard ng;
  if (y.defined()) nn::set_labels(G, y);
  return G(z);
}

}  // namespace

ordered_json generation_report(const gan::RunCheckpoint& c, const std::string& run_name,
                               const ReportOptions& o) {
  if (gan::task_kind(c.spec) != gan::TaskKind::generation)
    throw Error("report: " + run_name + " is not a generation run (task: " +
                gan::task_kind_name(gan::task_kind(c.spec)) + ")");
  const bool slim = is_slimgan(c);
  const std::vector<double> widths =
      slim ? parse_slimgan_params(c.spec).widths : std::vector<double>{1.0};
  nn::ModulePtr G = gan::load_network(c, "G");
  const int64_t classes = gan::conditional_classes(*G);

  // Shared inputs: the consistency set, and the grid's first columns (classes 0..9 in turn).
  Generator g(o.seed ^ 0x3c6ef372fe94f82bULL);
  const int64_t m = std::max<int64_t>(o.consistency, 10);
  const Tensor z = randn(gan::latent_shape(c.spec, m), g);
  Tensor y;
  if (classes > 0) {
    std::vector<int64_t> v(m);
    for (int64_t i = 0; i < m; ++i) v[i] = i % classes;
    y = from_vector(v, {m});
  }
  const Tensor z1 = z.slice(0, 0, 1), y1 = y.defined() ? y.slice(0, 0, 1) : Tensor();

  ordered_json out;
  out["run"] = run_name;
  out["step"] = c.step;
  out["technique"] = slim ? "slimgan" : "none";
  out["num"] = o.num;
  std::vector<Tensor> outputs, grid_rows;
  ordered_json rows = ordered_json::array();
  for (double w : widths) {
    if (slim) nn::set_width_mult(*G, w);
    ordered_json r;
    r["width"] = w;
    nn::ModulePtr dense = dense_at(*G, slim, w, G);
    const nn::Profile p = nn::profile(*dense, gan::latent_shape(c.spec, 1));
    r["params"] = p.params;
    r["macs_torchprofile"] = p.macs_torchprofile;
    r["macs_true"] = p.macs_true;
    if (y1.defined()) nn::set_labels(*G, y1);
    r["latency_ms"] = gan::forward_latency_ms(*G, z1, o.latency_reps);
    gan::EvalOptions eo;
    eo.num = o.num;
    eo.seed = o.seed;
    eo.width = slim ? w : 0;
    eo.weights = o.weights;
    eo.floor = false;
    const ordered_json e = gan::evaluate(c, eo);
    for (const char* k : {"fd_fmnist", "kid_fmnist", "class_accuracy"})
      if (e.contains(k)) r[k] = e[k];
    outputs.push_back(run_G(*G, z, y));
    grid_rows.push_back(outputs.back().slice(0, 0, 10));
    rows.push_back(r);
  }
  for (size_t i = 0; i + 1 < outputs.size(); ++i)
    rows[i]["l1_to_next_width"] = mean(abs(outputs[i] - outputs[i + 1])).item();
  if (o.floor) {
    gan::FmnistEvaluator ev(o.weights);
    const int64_t side = c.spec["data"]["image_size"];
    out["fd_fmnist_floor"] = ev.fd(gan::FmnistEvaluator::load_real(o.num, true, side).images,
                                   gan::FmnistEvaluator::load_real(o.num, false, side).images);
  }
  if (!o.grid_path.empty()) {
    save_png(o.grid_path, concat(grid_rows, 0), 10);
    out["grid"] = o.grid_path;
  }
  out["widths"] = rows;
  if (slim) nn::set_width_mult(*G, widths.back());
  return out;
}

std::string report_table(const ordered_json& r) {
  std::string s;
  char buf[256];
  std::snprintf(buf, sizeof buf, "%-6s %9s %12s %12s %11s %10s %11s %9s %9s\n", "width", "params",
                "MACs(tprof)", "MACs(true)", "latency/img", "FD-FMNIST", "KID-FMNIST", "class acc",
                "L1 to next");
  s += buf;
  auto num = [](const ordered_json& row, const char* k, const char* fmt) {
    char b[32];
    if (!row.contains(k)) return std::string("-");
    std::snprintf(b, sizeof b, fmt, row[k].get<double>());
    return std::string(b);
  };
  auto mega = [](double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.2fM", v / 1e6);
    return std::string(b);
  };
  for (const auto& row : r["widths"]) {
    std::snprintf(
        buf, sizeof buf, "%-6g %9s %12s %12s %9s ms %10s %11s %9s %9s\n",
        row["width"].get<double>(), mega(row["params"].get<double>()).c_str(),
        mega(row["macs_torchprofile"].get<double>()).c_str(),
        mega(row["macs_true"].get<double>()).c_str(), num(row, "latency_ms", "%.3f").c_str(),
        num(row, "fd_fmnist", "%.2f").c_str(), num(row, "kid_fmnist", "%.4f").c_str(),
        num(row, "class_accuracy", "%.3f").c_str(), num(row, "l1_to_next_width", "%.4f").c_str());
    s += buf;
  }
  if (r.contains("fd_fmnist_floor")) {
    std::snprintf(buf, sizeof buf, "FD-FMNIST floor (real train vs real test, %lld images): %.2f\n",
                  (long long)r["num"].get<int64_t>(), r["fd_fmnist_floor"].get<double>());
    s += buf;
  }
  if (r.contains("grid"))
    s += "sample grid (one row per width, classes 0-9): " + r["grid"].get<std::string>() + "\n";
  return s;
}

}  // namespace ganlite::compress
