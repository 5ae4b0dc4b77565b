// A run's state as named tensors (one safetensors file per checkpoint) and back.
#include "gan/train/checkpoint.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "engine/autograd.h"
#include "gan/train/run.h"
#include "gan/train/spec.h"
#include "gan/train/technique.h"
#include "kernels/cpu/gemm.h"

namespace ganlite::gan {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

void put(TensorMap& out, const std::string& prefix, const TensorMap& part) {
  for (const auto& [k, t] : part) out[prefix + k] = t;
}

bool holds(const TensorMap& all, const std::string& prefix) {
  auto it = all.lower_bound(prefix);
  return it != all.end() && it->first.rfind(prefix, 0) == 0;
}

void put_pool(TensorMap& out, const std::string& prefix, const ImagePool& pool) {
  for (size_t i = 0; i < pool.images().size(); ++i)
    out[prefix + std::to_string(i)] = pool.images()[i];
}

void load_pool(const TensorMap& all, const std::string& prefix, ImagePool& pool, Device device) {
  TensorMap part = tensors_under(all, prefix);
  std::vector<Tensor> images(part.size());
  for (auto& [k, t] : part) {
    size_t used = 0;
    size_t i = 0;
    try {
      i = std::stoul(k, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    GANLITE_CHECK(used == k.size() && i < images.size(), "checkpoint: unexpected key '", prefix, k,
                  "'");
    images[i] = t.to(device);
  }
  GANLITE_CHECK(static_cast<int64_t>(images.size()) <= pool.capacity(),
                "checkpoint: ", images.size(), " pooled images under '", prefix,
                "' exceed the pool size ", pool.capacity());
  pool.restore(std::move(images));
}

void load_net(const TensorMap& all, const std::string& name, nn::Module& net) {
  try {
    net.load_state_dict(tensors_under(all, name + "."));
  } catch (const Error& e) {
    throw Error("checkpoint: network '" + name + "': " + e.what());
  }
}

std::string generator_text(const Generator& g) {
  return std::to_string(g.seed) + " " + std::to_string(g.offset);
}

Generator generator_from(const Metadata& md, const std::string& key, const std::string& file) {
  auto it = md.find(key);
  Generator g;
  std::istringstream in(it == md.end() ? "" : it->second);
  if (!(in >> g.seed >> g.offset))
    throw Error(file + ": checkpoint metadata \"" + key + "\" missing");
  return g;
}

// The metadata "networks" entries ({"name", "model", "optim", "source"}), or [] before format 2.
json networks_of(const RunCheckpoint& c) {
  auto it = c.metadata.find("networks");
  if (it == c.metadata.end()) return json::array();
  json j = json::parse(it->second, nullptr, false);
  if (!j.is_array()) throw Error(c.path + ": checkpoint metadata \"networks\" is not a JSON array");
  return j;
}

}  // namespace

TensorMap Run::state_tensors(const Technique* technique) const {
  TensorMap out;
  for (const auto& n : networks_)
    if (n->stored()) put(out, n->name + ".", n->module->state_dict());
  for (const auto& n : networks_)
    if (n->trainable()) put(out, "opt_" + n->name + ".", n->opt->state_dict());
  for (const auto& [d, pool] : pools_) put_pool(out, "pool_" + d + ".", *pool);
  if (pl_mean.defined()) out["regularizers.pl_mean"] = pl_mean;
  if (technique) put(out, "technique.", technique->state());
  return out;
}

void Run::load_state_tensors(const TensorMap& all, Technique* technique, int format) {
  if (format < 2 && task == TaskKind::unpaired)
    throw Error(
        "checkpoint: written in format 1 by an older ganlite, with one optimizer over G and G2; "
        "its networks load (infer, eval, export, init_from) but the run cannot resume: start a "
        "new run with model.G.init_from / model.D.init_from {\"run\": ...}");
  for (const auto& n : networks_) {
    if (n->stored()) load_net(all, n->name, *n->module);
    if (n->trainable()) n->opt->load_state_dict(tensors_under(all, "opt_" + n->name + "."));
  }
  for (const auto& [d, pool] : pools_) load_pool(all, "pool_" + d + ".", *pool, device);
  if (pl_mean.defined()) {
    auto it = all.find("regularizers.pl_mean");
    GANLITE_CHECK(it != all.end() && it->second.numel() == 1,
                  "checkpoint: no path-length mean \"regularizers.pl_mean\" (the run was saved "
                  "without losses.pl_weight)");
    NoGradGuard ng;
    pl_mean.copy_(it->second.reshape({}));
  }
  if (technique) technique->load_state(tensors_under(all, "technique."));
}

void save_run_checkpoint(const Run& run, const Technique* technique, const std::string& dir) {
  Metadata md{{"format", "ganlite-run"},
              {"format_version", std::to_string(kCheckpointFormat)},
              {"spec", run.spec.dump()},
              {"step", std::to_string(run.step)},
              {"task", task_kind_name(run.task)},
              {"gen", generator_text(run.gen)},
              {"default_gen", generator_text(default_generator())},
              {"deploy", run.deploy},
              {"threads", std::to_string(cpu::num_threads())},
              {"networks", run.networks_json().dump()}};
  if (technique) md["technique"] = technique->name();
  const TensorMap t = run.state_tensors(technique);
  char name[64];
  std::snprintf(name, sizeof name, "step_%06lld.safetensors", (long long)run.step);
  save_safetensors((fs::path(dir) / name).string(), t, md);
  // latest: a symbolic link to the step file rather than a second copy of it, replaced
  // atomically (rename); a copy where the file system has no symbolic links.
  const fs::path latest = fs::path(dir) / "latest.safetensors";
  const fs::path tmp = fs::path(dir) / ("latest.safetensors.tmp." + std::to_string(getpid()));
  std::error_code ec;
  fs::remove(tmp, ec);
  fs::create_symlink(name, tmp, ec);
  if (!ec) fs::rename(tmp, latest, ec);
  if (ec) {
    fs::remove(tmp, ec);
    save_safetensors(latest.string(), t, md);
  }
  // logging.keep_checkpoints: the newest step files stay, older ones go.
  const int64_t keep = run.spec["logging"]["keep_checkpoints"];
  if (keep <= 0) return;
  std::vector<std::pair<int64_t, std::string>> steps;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string f = e.path().filename().string();
    if (f.rfind("step_", 0) != 0 || e.path().extension() != ".safetensors") continue;
    try {
      steps.emplace_back(std::stoll(f.substr(5)), f);
    } catch (const std::exception&) {
    }
  }
  std::sort(steps.begin(), steps.end());
  for (size_t i = 0; i + keep < steps.size(); ++i)
    if (steps[i].second != name) fs::remove(fs::path(dir) / steps[i].second, ec);
}

void restore_run(Run& run, Technique* technique, const RunCheckpoint& c) {
  run.load_state_tensors(c.tensors, technique, checkpoint_format(c));
  run.step = c.step;
  run.gen = generator_from(c.metadata, "gen", c.path);
  default_generator() = generator_from(c.metadata, "default_gen", c.path);
}

ResumePoint resume_point(const std::string& target, const std::string& from) {
  std::error_code ec;
  ResumePoint r;
  if (fs::is_regular_file(target, ec)) {
    const fs::path f = fs::absolute(target, ec);
    if (f.parent_path().filename() != "checkpoints")
      throw Error(target +
                  ": a checkpoint to resume from must sit in RUN/checkpoints/ (the run "
                  "directory its outputs go to); give the run directory and --from instead");
    if (!from.empty())
      throw Error("--resume " + target + " names a checkpoint already; leave out --from " + from);
    r.run_dir = f.parent_path().parent_path().string();
    r.checkpoint = target;
    return r;
  }
  if (!fs::is_directory(target, ec))
    throw Error(target + ": nothing to resume (no such run directory or checkpoint file)");
  r.run_dir = target;
  const fs::path ckpts = fs::path(target) / "checkpoints";
  if (from.empty()) {
    r.checkpoint = (ckpts / "latest.safetensors").string();
  } else {
    const bool path = from.find('/') != std::string::npos;
    r.checkpoint =
        path ? from
             : (ckpts /
                (fs::path(from).extension() == ".safetensors" ? from : from + ".safetensors"))
                   .string();
  }
  if (!fs::is_regular_file(r.checkpoint, ec)) {
    std::string list;
    for (const auto& e : fs::directory_iterator(ckpts, ec))
      if (e.path().extension() == ".safetensors")
        list += (list.empty() ? "" : ", ") + e.path().stem().string();
    throw Error(target + ": nothing to resume from (no " + r.checkpoint +
                "); its checkpoints: " + (list.empty() ? "none" : list));
  }
  return r;
}

std::vector<std::string> intact_checkpoints(const std::string& run_dir) {
  std::vector<std::pair<int64_t, std::string>> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(run_dir) / "checkpoints", ec)) {
    if (e.path().extension() != ".safetensors") continue;
    try {
      found.emplace_back(load_run_checkpoint(e.path().string()).step, e.path().stem().string());
    } catch (const std::exception&) {
      // damaged: not listed
    }
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second > b.second;
  });
  std::vector<std::string> out;
  for (const auto& [step, name] : found) out.push_back(name);
  return out;
}

std::string resolve_checkpoint_path(const std::string& p) {
  std::error_code ec;
  if (fs::is_directory(p, ec)) {
    const fs::path latest = fs::path(p) / "checkpoints" / "latest.safetensors";
    if (!fs::exists(latest, ec))
      throw Error(p + ": no checkpoint in this run directory (expected " + latest.string() + ")");
    return latest.string();
  }
  if (!fs::exists(p, ec)) throw Error(p + ": no such checkpoint file or run directory");
  return p;
}

RunCheckpoint load_run_checkpoint(const std::string& path) {
  const std::string file = resolve_checkpoint_path(path);
  Safetensors st = load_safetensors(file);
  RunCheckpoint c;
  c.path = file;
  auto spec = st.metadata.find("spec");
  auto step = st.metadata.find("step");
  if (spec == st.metadata.end() || step == st.metadata.end())
    throw Error(file +
                ": not a ganlite run checkpoint (its metadata has no \"spec\" and \"step\")");
  try {
    c.spec = resolve_spec(json::parse(spec->second));
    c.step = std::stoll(step->second);
  } catch (const std::exception& e) {
    throw Error(file + ": the checkpoint's spec or step is invalid: " + e.what());
  }
  c.tensors = std::move(st.tensors);
  c.metadata = std::move(st.metadata);
  return c;
}

int checkpoint_format(const RunCheckpoint& c) {
  auto it = c.metadata.find("format_version");
  if (it == c.metadata.end()) return 1;
  try {
    return std::stoi(it->second);
  } catch (const std::exception&) {
    throw Error(c.path + ": checkpoint metadata \"format_version\" is not a number: " + it->second);
  }
}

std::string deploy_network(const RunCheckpoint& c) {
  auto it = c.metadata.find("deploy");
  return it == c.metadata.end() ? "G" : it->second;
}

std::vector<std::string> stored_networks(const RunCheckpoint& c) {
  std::vector<std::string> out;
  const json nets = networks_of(c);
  if (nets.empty()) {
    for (const char* n : {"G", "G2", "D", "D2"})
      if (holds(c.tensors, std::string(n) + ".")) out.push_back(n);
    return out;
  }
  for (const json& n : nets)
    if (holds(c.tensors, n.at("name").get<std::string>() + ".")) out.push_back(n["name"]);
  return out;
}

json network_model(const RunCheckpoint& c, const std::string& name) {
  for (const json& n : networks_of(c))
    if (n.value("name", "") == name && n.contains("model") && !n["model"].is_null())
      return n["model"];
  if (name == "G" || name == "G2" || name == "D" || name == "D2") {
    const json& m = c.spec["model"][name.substr(0, 1)];
    if (!m["name"].is_null()) return {{"name", m["name"]}, {"options", m["options"]}};
  }
  throw Error(c.path + ": network '" + name +
              "' has no model description (it is training state of the run's technique)");
}

nn::ModulePtr load_network(const RunCheckpoint& c, const std::string& which) {
  const std::string name = which.empty() ? deploy_network(c) : which;
  const std::vector<std::string> stored = stored_networks(c);
  if (std::find(stored.begin(), stored.end(), name) == stored.end()) {
    for (const json& n : networks_of(c))
      if (n.value("name", "") == name && n.contains("source") && !n["source"].is_null() &&
          n["optim"].is_null())
        throw Error(c.path + ": network '" + name +
                    "' is a frozen teacher of this run, not stored in its checkpoints; it came "
                    "from " +
                    n["source"].value("file", std::string("?")));
    std::string list;
    for (const auto& n : stored) list += (list.empty() ? "" : ", ") + n;
    throw Error(c.path + ": the checkpoint has no network '" + name + "' (its task is " +
                task_kind_name(task_kind(c.spec)) + "; it holds: " + list + ")");
  }
  nn::ModulePtr net = make_described_model(network_model(c, name));
  load_net(c.tensors, name, *net);
  net->eval();
  return net;
}

Safetensors export_networks(const RunCheckpoint& c, const std::vector<std::string>& nets) {
  Safetensors out;
  json described = json::array();
  const json all = networks_of(c);
  for (const std::string& name : nets) {
    load_network(c, name);  // refuses a checkpoint that does not fit its description
    for (auto& [k, t] : tensors_under(c.tensors, name + ".")) out.tensors[name + "." + k] = t;
    json entry = {
        {"name", name}, {"model", network_model(c, name)}, {"optim", nullptr}, {"source", nullptr}};
    for (const json& n : all)
      if (n.value("name", "") == name) entry["source"] = n.value("source", json());
    described.push_back(entry);
  }
  for (const char* k : {"format", "spec", "step", "task", "technique"})
    if (c.metadata.count(k)) out.metadata[k] = c.metadata.at(k);
  out.metadata["format_version"] = std::to_string(kCheckpointFormat);
  out.metadata["networks"] = described.dump();
  const std::string deploy = deploy_network(c);
  out.metadata["deploy"] =
      std::find(nets.begin(), nets.end(), deploy) != nets.end() ? deploy : nets.front();
  return out;
}

}  // namespace ganlite::gan
