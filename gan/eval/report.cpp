#include "gan/eval/report.h"

#include <cstdio>

#include "engine/autograd.h"
#include "engine/grid.h"
#include "engine/image.h"
#include "engine/ops.h"
#include "gan/eval/evaluate.h"
#include "gan/eval/fmnist_eval.h"
#include "gan/train/task.h"
#include "gan/train/technique.h"
#include "nn/cond_bn.h"
#include "nn/data/fashion.h"
#include "nn/profile.h"

namespace ganlite::gan {
namespace {

using nlohmann::ordered_json;

Tensor run_G(nn::Module& G, const Tensor& z, const Tensor& y) {
  NoGradGuard ng;
  if (y.defined()) nn::set_labels(G, y);
  return G(z);
}

// The rows: the technique's variants of the deploy network, or the network itself.
std::vector<ReportVariant> variants(const RunCheckpoint& c) {
  const auto& t = c.spec["technique"]["name"];
  const TechniqueInfo* info = t.is_string() ? find_technique(t.get<std::string>()) : nullptr;
  if (info && info->report_variants) return info->report_variants(c);
  ReportVariant v;
  v.keys["network"] = deploy_network(c);
  v.net = v.dense = load_network(c);
  return {v};
}

}  // namespace

ordered_json generation_report(const RunCheckpoint& c, const std::string& run_name,
                               const ReportOptions& o) {
  if (task_kind(c.spec) != TaskKind::generation)
    throw Error("report: " + run_name +
                " is not a generation run (task: " + task_kind_name(task_kind(c.spec)) + ")");
  std::vector<ReportVariant> rows_in = variants(c);
  const int64_t classes = conditional_classes(*rows_in.front().net);

  // Shared inputs: the consistency set, and the grid's first columns (classes 0..9 in turn).
  Generator g(o.seed ^ 0x3c6ef372fe94f82bULL);
  const int64_t m = std::max<int64_t>(o.consistency, 10);
  const Tensor z = randn(latent_shape(c.spec, m), g);
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
  const auto& t = c.spec["technique"]["name"];
  out["technique"] = t.is_string() ? t.get<std::string>() : "none";
  out["network"] = deploy_network(c);
  out["num"] = o.num;
  std::vector<Tensor> outputs, grid_rows;
  std::vector<std::string> grid_labels;
  ordered_json rows = ordered_json::array();
  for (ReportVariant& v : rows_in) {
    ordered_json r = v.keys;
    const auto& first = v.keys.begin();
    grid_labels.push_back(
        first.key() + " " +
        (first.value().is_string() ? first.value().get<std::string>() : first.value().dump()));
    const nn::Profile p = nn::profile(*v.dense, latent_shape(c.spec, 1));
    r["params"] = p.params;
    r["macs_torchprofile"] = p.macs_torchprofile;
    r["macs_true"] = p.macs_true;
    if (y1.defined()) nn::set_labels(*v.net, y1);
    r["latency_ms"] = forward_latency_ms(*v.net, z1, o.latency_reps);
    EvalOptions eo;
    eo.num = o.num;
    eo.seed = o.seed;
    eo.weights = o.weights;
    eo.floor = false;
    ordered_json e;
    evaluate_generator(c.spec, *v.net, eo, e);
    for (const char* k : {"fd_fmnist", "kid_fmnist", "class_accuracy"})
      if (e.contains(k)) r[k] = e[k];
    outputs.push_back(run_G(*v.net, z, y));
    grid_rows.push_back(outputs.back().slice(0, 0, 10));
    rows.push_back(r);
  }
  for (size_t i = 0; i + 1 < outputs.size(); ++i)
    rows[i]["l1_to_next"] = mean(abs(outputs[i] - outputs[i + 1])).item();
  if (o.floor) {
    FmnistEvaluator ev(o.weights);
    const int64_t side = c.spec["data"]["image_size"];
    out["fd_fmnist_floor"] = ev.fd(FmnistEvaluator::load_real(o.num, true, side).images,
                                   FmnistEvaluator::load_real(o.num, false, side).images);
  }
  if (!o.grid_path.empty()) {
    std::vector<std::string> columns;
    if (classes == 10 && c.spec["data"]["dataset"] == "fashion_mnist")
      for (int64_t k = 0; k < 10; ++k) columns.push_back(data::kFashionClasses[k]);
    save_labelled_grid(o.grid_path, grid_rows, grid_labels, columns,
                       grid_scale(grid_rows[0].size(2)));
    out["grid"] = o.grid_path;
  }
  out["rows"] = rows;
  return out;
}

std::string report_table(const ordered_json& r) {
  std::string s;
  char buf[256];
  // The first column: the rows' own key (width, network).
  const std::string key = r["rows"].empty() ? "row" : r["rows"][0].begin().key();
  std::snprintf(buf, sizeof buf, "%-8s %9s %12s %12s %11s %10s %11s %9s %9s\n", key.c_str(),
                "params", "MACs(tprof)", "MACs(true)", "latency/img", "FD-FMNIST", "KID-FMNIST",
                "class acc", "L1 to next");
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
  for (const auto& row : r["rows"]) {
    const ordered_json& first = row.begin().value();
    char label[32];
    if (first.is_number())
      std::snprintf(label, sizeof label, "%g", first.get<double>());
    else
      std::snprintf(label, sizeof label, "%s", first.get<std::string>().c_str());
    std::snprintf(
        buf, sizeof buf, "%-8s %9s %12s %12s %9s ms %10s %11s %9s %9s\n", label,
        mega(row["params"].get<double>()).c_str(),
        mega(row["macs_torchprofile"].get<double>()).c_str(),
        mega(row["macs_true"].get<double>()).c_str(), num(row, "latency_ms", "%.3f").c_str(),
        num(row, "fd_fmnist", "%.2f").c_str(), num(row, "kid_fmnist", "%.4f").c_str(),
        num(row, "class_accuracy", "%.3f").c_str(), num(row, "l1_to_next", "%.4f").c_str());
    s += buf;
  }
  if (r.contains("fd_fmnist_floor")) {
    std::snprintf(buf, sizeof buf, "FD-FMNIST floor (real train vs real test, %lld images): %.2f\n",
                  (long long)r["num"].get<int64_t>(), r["fd_fmnist_floor"].get<double>());
    s += buf;
  }
  if (r.contains("grid"))
    s += "sample grid (one row per " + key + ", classes 0-9): " + r["grid"].get<std::string>() +
         "\n";
  return s;
}

}  // namespace ganlite::gan
