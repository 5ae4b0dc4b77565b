#include "gan/train/netref.h"

#include <cstdio>
#include <filesystem>

#include "engine/sha256.h"
#include "gan/train/checkpoint.h"
#include "gan/train/spec.h"

namespace ganlite::gan {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

[[noreturn]] void ref_error(const std::string& pointer, const std::string& message) {
  throw SpecError(pointer + ": " + message);
}

fs::path step_file(const fs::path& run, int64_t step) {
  char name[64];
  std::snprintf(name, sizeof name, "step_%06lld.safetensors", (long long)step);
  return run / "checkpoints" / name;
}

std::string checkpoints_in(const fs::path& run) {
  std::string list;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(run / "checkpoints", ec))
    if (e.path().extension() == ".safetensors")
      list += (list.empty() ? "" : ", ") + e.path().stem().string();
  return list.empty() ? "none" : list;
}

// The file a reference resolves to.
std::string ref_file(const json& ref, const std::string& pointer) {
  std::error_code ec;
  if (ref.contains("run")) {
    const fs::path run = ref["run"].get<std::string>();
    if (!fs::is_directory(run, ec))
      ref_error(pointer + "/run", run.string() + ": no such run directory");
    if (ref.contains("step")) {
      const fs::path f = step_file(run, ref["step"].get<int64_t>());
      if (!fs::is_regular_file(f, ec))
        ref_error(pointer + "/step", run.string() + " has no checkpoint at step " +
                                         ref["step"].dump() + " (" + f.string() +
                                         "); it has: " + checkpoints_in(run));
      return f.string();
    }
    const fs::path f = run / "checkpoints" / "latest.safetensors";
    if (!fs::is_regular_file(f, ec))
      ref_error(pointer + "/run", run.string() + " holds no checkpoint (no " + f.string() + ")");
    return f.string();
  }
  const std::string f = ref["file"];
  if (!fs::is_regular_file(f, ec)) ref_error(pointer + "/file", f + ": no such file");
  return f;
}

std::string short_hash(const std::string& sha) {
  return sha.substr(0, 12);
}

std::string describe(const NetSource& s) {
  return s.file + " (sha256 " + short_hash(s.sha256) + "...," +
         (s.step >= 0 ? " step " + std::to_string(s.step) : " a plain state_dict") + ")";
}

std::string model_text(const json& model) {
  return model.at("name").get<std::string>() + " " + model.value("options", json::object()).dump();
}

}  // namespace

json NetSource::to_json() const {
  return {{"pointer", pointer}, {"ref", ref},   {"file", file},
          {"sha256", sha256},   {"step", step}, {"net", net}};
}

NetSource NetSource::from_json(const json& j) {
  NetSource s;
  s.pointer = j.value("pointer", "");
  s.ref = j.value("ref", json());
  s.file = j.value("file", "");
  s.sha256 = j.value("sha256", "");
  s.step = j.value("step", int64_t(-1));
  s.net = j.value("net", "");
  return s;
}

NetTensors read_net_ref(const json& ref, const std::string& pointer, const std::string& default_net,
                        const NetSource* pinned) {
  std::string file = ref_file(ref, pointer);
  std::string sha = sha256_file(file);
  if (pinned && sha != pinned->sha256) {
    bool found = false;
    if (ref.contains("run") && !ref.contains("step") && pinned->step >= 0) {
      // The teacher run trained on: its checkpoint of the step this run started from.
      const fs::path old = step_file(ref["run"].get<std::string>(), pinned->step);
      std::error_code ec;
      if (fs::is_regular_file(old, ec) && sha256_file(old.string()) == pinned->sha256) {
        file = old.string();
        sha = pinned->sha256;
        found = true;
      }
    }
    if (!found)
      ref_error(pointer, "the referenced network changed since this run started: " + file +
                             " now has sha256 " + short_hash(sha) +
                             "...; the run was trained with " + describe(*pinned) +
                             ". Put that file back to resume, or start a new run");
  }
  Safetensors st;
  try {
    st = load_safetensors(file);
  } catch (const Error& e) {
    ref_error(pointer, without_location(e));
  }
  NetTensors out;
  out.source.pointer = pointer;
  out.source.ref = ref;
  out.source.file = file;
  out.source.sha256 = sha;
  if (st.metadata.count("spec")) {
    RunCheckpoint c = load_run_checkpoint(file);
    const std::string net = ref.value("net", default_net);
    const std::vector<std::string> nets = stored_networks(c);
    if (std::find(nets.begin(), nets.end(), net) == nets.end()) {
      std::string list;
      for (const auto& n : nets) list += (list.empty() ? "" : ", ") + n;
      ref_error(pointer + (ref.contains("net") ? "/net" : ""),
                file + " has no network '" + net + "' (it holds: " + list + ")");
    }
    out.tensors = tensors_under(c.tensors, net + ".");
    out.model = network_model(c, net);
    out.source.step = c.step;
    out.source.net = net;
    return out;
  }
  if (ref.contains("net"))
    ref_error(pointer + "/net",
              file +
                  " is a plain state_dict (no ganlite metadata): pick its tensors with "
                  "\"prefix\" and describe them with \"model\"");
  const std::string prefix = ref.value("prefix", "");
  out.tensors = tensors_under(st.tensors, prefix);
  if (out.tensors.empty()) {
    std::string some;
    int k = 0;
    for (auto it = st.tensors.begin(); it != st.tensors.end() && k < 4; ++it, ++k)
      some += (some.empty() ? "" : ", ") + it->first;
    ref_error(pointer + "/prefix", file + " has no tensor named '" + prefix + "...' (it holds " +
                                       std::to_string(st.tensors.size()) + ": " + some +
                                       (st.tensors.size() > 4 ? ", ..." : "") + ")");
  }
  if (ref.contains("model"))
    out.model = {{"name", ref["model"]["name"]},
                 {"options", ref["model"].value("options", json::object())}};
  return out;
}

nn::ModulePtr load_net_ref(const json& ref, const std::string& pointer,
                           const std::string& default_net, NetSource* source, json* model,
                           const NetSource* pinned) {
  NetTensors nt = read_net_ref(ref, pointer, default_net, pinned);
  if (nt.model.is_null())
    ref_error(pointer + "/model", nt.source.file +
                                      " is a plain state_dict: describe its network with "
                                      "\"model\": {\"name\": ..., \"options\": {...}}");
  nn::ModulePtr net;
  try {
    net = make_described_model(nt.model);
  } catch (const Error& e) {
    ref_error(pointer + (ref.contains("model") ? "/model" : ""), without_location(e));
  }
  try {
    net->load_state_dict(nt.tensors);
  } catch (const Error& e) {
    ref_error(pointer, nt.source.file + " does not fit " + model_text(nt.model) + ": " +
                           without_location(e));
  }
  net->eval();
  if (source) *source = nt.source;
  if (model) *model = nt.model;
  return net;
}

NetSource init_from_ref(nn::Module& net, const json& ref, const std::string& pointer,
                        const std::string& default_net) {
  NetTensors nt = read_net_ref(ref, pointer, default_net);
  try {
    net.load_state_dict(nt.tensors);
  } catch (const Error& e) {
    ref_error(pointer, "the tensors of " + describe(nt.source) +
                           " do not fit this network: " + without_location(e));
  }
  return nt.source;
}

}  // namespace ganlite::gan
