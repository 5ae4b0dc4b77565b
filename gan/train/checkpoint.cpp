// A run's state as named tensors (one safetensors file per checkpoint) and back.
#include <algorithm>
#include <filesystem>

#include "engine/autograd.h"
#include "gan/train/spec.h"
#include "gan/train/trainer.h"

namespace ganlite::gan {
namespace {

namespace fs = std::filesystem;

void put(TensorMap& out, const std::string& prefix, const TensorMap& part) {
  for (const auto& [k, t] : part) out[prefix + k] = t;
}

// The entries of `all` under `prefix`, with the prefix removed.
TensorMap take(const TensorMap& all, const std::string& prefix) {
  TensorMap out;
  for (auto it = all.lower_bound(prefix); it != all.end() && it->first.rfind(prefix, 0) == 0; ++it)
    out[it->first.substr(prefix.size())] = it->second;
  return out;
}

void put_pool(TensorMap& out, const std::string& prefix, const ImagePool* pool) {
  if (!pool) return;
  for (size_t i = 0; i < pool->images().size(); ++i)
    out[prefix + std::to_string(i)] = pool->images()[i];
}

void load_pool(const TensorMap& all, const std::string& prefix, ImagePool* pool, Device device) {
  if (!pool) return;
  TensorMap part = take(all, prefix);
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
  GANLITE_CHECK(static_cast<int64_t>(images.size()) <= pool->capacity(),
                "checkpoint: ", images.size(), " pooled images under '", prefix,
                "' exceed the pool size ", pool->capacity());
  pool->restore(std::move(images));
}

void load_net(const TensorMap& all, const std::string& prefix, nn::Module* net) {
  if (!net) return;
  try {
    net->load_state_dict(take(all, prefix));
  } catch (const Error& e) {
    throw Error("checkpoint: network '" + prefix.substr(0, prefix.size() - 1) + "': " + e.what());
  }
}

}  // namespace

TensorMap Run::state_tensors(const Technique* technique) const {
  TensorMap out;
  put(out, "G.", G->state_dict());
  if (G2) put(out, "G2.", G2->state_dict());
  if (D) put(out, "D.", D->state_dict());
  if (D2) put(out, "D2.", D2->state_dict());
  put(out, "opt_G.", opt_G->state_dict());
  if (opt_D) put(out, "opt_D.", opt_D->state_dict());
  put_pool(out, "pool_A.", pool_A.get());
  put_pool(out, "pool_B.", pool_B.get());
  if (technique) put(out, "technique.", technique->state());
  return out;
}

void Run::load_state_tensors(const TensorMap& all, Technique* technique) {
  load_net(all, "G.", G.get());
  load_net(all, "G2.", G2.get());
  load_net(all, "D.", D.get());
  load_net(all, "D2.", D2.get());
  opt_G->load_state_dict(take(all, "opt_G."));
  if (opt_D) opt_D->load_state_dict(take(all, "opt_D."));
  load_pool(all, "pool_A.", pool_A.get(), device);
  load_pool(all, "pool_B.", pool_B.get(), device);
  if (technique) technique->load_state(take(all, "technique."));
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
  auto spec = st.metadata.find("spec");
  auto step = st.metadata.find("step");
  if (spec == st.metadata.end() || step == st.metadata.end())
    throw Error(file +
                ": not a ganlite run checkpoint (its metadata has no \"spec\" and \"step\")");
  try {
    c.spec = resolve_spec(nlohmann::json::parse(spec->second));
    c.step = std::stoll(step->second);
  } catch (const std::exception& e) {
    throw Error(file + ": the checkpoint's spec or step is invalid: " + e.what());
  }
  c.tensors = std::move(st.tensors);
  c.metadata = std::move(st.metadata);
  return c;
}

nn::ModulePtr load_network(const RunCheckpoint& c, const std::string& which) {
  const std::string role = which.substr(0, 1);  // G2 is built like G, D2 like D
  const nlohmann::json& name = c.spec["model"][role]["name"];
  const std::string prefix = which + ".";
  const bool present = std::any_of(c.tensors.begin(), c.tensors.end(),
                                   [&](const auto& kv) { return kv.first.rfind(prefix, 0) == 0; });
  if (name.is_null() || !present)
    throw Error("the checkpoint has no network '" + which + "' (its task is " +
                task_kind_name(task_kind(c.spec)) + ")");
  nn::ModulePtr net = make_model(name.get<std::string>(), spec_model_options(c.spec, role));
  load_net(c.tensors, prefix, net.get());
  net->eval();
  return net;
}

}  // namespace ganlite::gan
