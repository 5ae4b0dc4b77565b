#include "apps/cli.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "gan/train/checkpoint.h"
#include "gan/train/spec.h"
#include "gan/train/task.h"

namespace ganlite::cli {
namespace {

std::vector<Command>& registry() {
  static std::vector<Command> r;
  return r;
}

}  // namespace

RegisterCommand::RegisterCommand(Command command) {
  auto& r = registry();
  r.push_back(std::move(command));
  std::sort(r.begin(), r.end(), [](const Command& a, const Command& b) { return a.name < b.name; });
}

const std::vector<Command>& commands() {
  return registry();
}

int64_t parse_nonnegative(const std::string& flag, const std::string& v) {
  size_t used = 0;
  int64_t n = -1;
  try {
    n = std::stoll(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != v.size() || n < 0)
    throw UsageError(flag + " expects a non-negative integer, got '" + v + "'");
  return n;
}

int64_t parse_positive(const std::string& flag, const std::string& v) {
  int64_t n = -1;
  try {
    n = parse_nonnegative(flag, v);
  } catch (const UsageError&) {
  }
  if (n <= 0) throw UsageError(flag + " expects a positive integer, got '" + v + "'");
  return n;
}

double parse_number(const std::string& flag, const std::string& v) {
  size_t used = 0;
  double x = 0;
  try {
    x = std::stod(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != v.size() || v.empty()) throw UsageError(flag + " expects a number, got '" + v + "'");
  return x;
}

std::string human(double v) {
  char buf[32];
  if (v >= 1e9)
    std::snprintf(buf, sizeof buf, "%.3fG", v / 1e9);
  else if (v >= 1e6)
    std::snprintf(buf, sizeof buf, "%.3fM", v / 1e6);
  else if (v >= 1e3)
    std::snprintf(buf, sizeof buf, "%.3fK", v / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

std::string ArgReader::value(const std::string& flag) {
  if (done()) throw UsageError(flag + " needs a value");
  return next();
}

bool take_sample_flag(const std::string& a, ArgReader& r, int64_t& num, uint64_t& seed,
                      std::string& weights) {
  if (a == "--num") {
    num = parse_positive(a, r.value(a));
    if (num < 2) throw UsageError("--num must be at least 2");
  } else if (a == "--seed") {
    seed = static_cast<uint64_t>(parse_nonnegative(a, r.value(a)));
  } else if (a == "--weights") {
    weights = r.value(a);
  } else {
    return false;
  }
  return true;
}

bool ModelArgs::take(const std::string& a, ArgReader& r) {
  if (a == "--model") {
    model = r.value(a);
  } else if (a == "--set") {
    const std::string kv = r.value(a);
    const size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      throw UsageError("--set expects key=value, got '" + kv + "'");
    if (kv.substr(0, eq).find('.') != std::string::npos)
      spec_sets.push_back(kv);
    else
      options[kv.substr(0, eq)] = kv.substr(eq + 1);
  } else if (a == "--size") {
    const std::string v = r.value(a);
    const size_t x = v.find('x');
    h = parse_positive("--size", v.substr(0, x));
    w = x == std::string::npos ? h : parse_positive("--size", v.substr(x + 1));
    size_given = true;
  } else if (a == "--net") {
    net = net_given = r.value(a);
  } else if (a == "--weights") {
    weights = r.value(a);
  } else if (a == "--prefix") {
    prefix = r.value(a);
  } else if (!a.empty() && a[0] != '-' && spec_path.empty()) {
    spec_path = a;
  } else {
    return false;
  }
  return true;
}

void ModelArgs::resolve(const char* who) {
  if (spec_path.empty()) {
    if (model.empty())
      throw UsageError(std::string(who) + ": SPEC.json, RUN_DIR or --model NAME is required (see " +
                       "ganlite " + who + " --help)");
    if (!spec_sets.empty())
      throw UsageError("--set " + spec_sets[0] +
                       ": a dotted path sets a spec field, which needs "
                       "SPEC.json; with --model, --set takes model options (ngf=16)");
    return;
  }
  if (!model.empty())
    throw UsageError(std::string(who) + ": give SPEC.json (or RUN_DIR) or --model, not both");
  std::error_code ec;
  const bool run = std::filesystem::is_directory(spec_path, ec) ||
                   std::filesystem::path(spec_path).extension() == ".safetensors";
  nlohmann::json resolved, described, d_described;
  if (run) {
    // A run or checkpoint: its deploy network (or --net), described as the run built it.
    const gan::RunCheckpoint c = gan::load_run_checkpoint(spec_path);
    if (!spec_sets.empty())
      throw UsageError("--set " + spec_sets[0] +
                       ": a run's spec is fixed; --set takes model "
                       "options (ngf=16) here");
    resolved = c.spec;
    if (net_given.empty()) net = gan::deploy_network(c);
    described = gan::network_model(c, net);
    const std::vector<std::string> nets = gan::stored_networks(c);
    if (std::find(nets.begin(), nets.end(), "D") != nets.end())
      d_described = gan::network_model(c, "D");
  } else {
    nlohmann::json raw = gan::read_spec_file(spec_path);
    gan::apply_spec_overrides(raw, spec_sets);
    resolved = gan::resolve_spec(raw);
    if (net != "G" && net != "D")
      throw UsageError(
          "--net with SPEC.json expects G or D (a run directory has other networks), "
          "got " +
          net);
    if (resolved["model"][net]["name"].is_null())
      throw UsageError(spec_path + " has no model." + net + " (task " +
                       resolved["task"].get<std::string>() + ")");
    described = {{"name", resolved["model"][net]["name"]},
                 {"options", resolved["model"][net]["options"]}};
    if (!resolved["model"]["D"]["name"].is_null())
      d_described = {{"name", resolved["model"]["D"]["name"]},
                     {"options", resolved["model"]["D"]["options"]}};
  }
  model = described["name"].get<std::string>();
  gan::Options from_spec = gan::model_options(described["options"]);
  for (auto& [k, v] : options) from_spec[k] = v;
  options = from_spec;
  const nlohmann::json& data = resolved["data"];
  const bool folder = data["dataset"].get<std::string>().find("folder") != std::string::npos;
  const nlohmann::json& size = data[folder ? "crop_size" : "image_size"];
  if (!size_given && size.is_number_integer()) h = w = size.get<int64_t>();
  if (!d_described.is_null()) {
    d_model = d_described["name"].get<std::string>();
    d_options = gan::model_options(d_described["options"]);
  }
  paired = gan::task_kind(resolved) == gan::TaskKind::paired;
}

TensorMap ModelArgs::read_weights() const {
  if (weights.empty()) return {};
  const Safetensors st = load_safetensors(weights);
  TensorMap t = tensors_under(st.tensors, prefix);
  if (t.empty()) {
    std::string some;
    int k = 0;
    for (auto it = st.tensors.begin(); it != st.tensors.end() && k < 4; ++it, ++k)
      some += (some.empty() ? "" : ", ") + it->first;
    throw Error("--weights " + weights + ": no tensor named '" + prefix + "...' (it holds " +
                std::to_string(st.tensors.size()) + ": " + some +
                (st.tensors.size() > 4 ? ", ..." : "") + "; --prefix picks a part)");
  }
  return t;
}

nn::ModulePtr ModelArgs::build() const {
  nn::ModulePtr net = gan::make_model(model, options);
  if (!weights.empty()) {
    const TensorMap t = read_weights();
    try {
      net->load_state_dict(t);
    } catch (const Error& e) {
      std::string opts;
      for (const auto& [k, v] : options) opts += (opts.empty() ? "" : ", ") + k + "=" + v;
      throw Error("--weights " + weights + " does not fit " + model + " (" +
                  (opts.empty() ? "default options" : opts) + "): " + without_location(e));
    }
  }
  net->eval();
  return net;
}

}  // namespace ganlite::cli
