// Network references: how a spec names a network trained elsewhere, for a teacher (a technique's
// net_ref parameter) or as a network's starting point (model.G.init_from):
//   {"run": "runs/NAME", "net": "D"}              a network of a run: its latest checkpoint
//   {"run": "runs/NAME", "net": "D", "step": 2000} ... or its checkpoint step_002000
//   {"file": "x.safetensors", "net": "G"}          a ganlite checkpoint or export (metadata "spec")
//   {"file": "x.safetensors", "model": {"name": "resnet_generator", "options": {"ngf": 64}},
//    "prefix": "netG."}                            a plain state_dict (e.g. PyTorch's), described
// "net" defaults to the network the reference is for (G for model.G.init_from). A run records the
// file each reference resolved to with its SHA-256 and step (NetSource, in every checkpoint), so a
// resume can tell whether a teacher changed.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "engine/safetensors.h"
#include "nn/module.h"

namespace ganlite::gan {

struct NetSource {
  std::string pointer;  // the spec field that named it, e.g. /technique/params/teacher
  nlohmann::json ref;   // the reference as the spec wrote it
  std::string file;     // the safetensors file it resolved to
  std::string sha256;   // of that file
  int64_t step = -1;    // the source checkpoint's step; -1 for a plain state_dict
  std::string net;      // the source's network name; "" for a plain state_dict

  nlohmann::json to_json() const;
  static NetSource from_json(const nlohmann::json& j);
};

// The tensors of the referenced network (its state_dict names), its model description
// ({"name", "options"}; null for a plain state_dict without "model") and where they came from.
struct NetTensors {
  TensorMap tensors;
  nlohmann::json model;
  NetSource source;
};

// Reads the network `ref` names; `default_net` is taken from a run or ganlite checkpoint when the
// reference has no "net". `pinned` (a resume): the source the run started from; the file must
// have its SHA-256, except that a run reference without "step" whose latest checkpoint moved on
// falls back to that run's step_<pinned step> checkpoint when that one has it. Errors are
// SpecErrors at `pointer` saying what was found: a missing run, file or step, a network the
// source does not have, a changed file.
NetTensors read_net_ref(const nlohmann::json& ref, const std::string& pointer,
                        const std::string& default_net, const NetSource* pinned = nullptr);

// read_net_ref, then the network built from its model description and loaded strictly: tensors
// that do not fit are an error naming each tensor with both shapes. In eval mode, on the CPU.
nn::ModulePtr load_net_ref(const nlohmann::json& ref, const std::string& pointer,
                           const std::string& default_net, NetSource* source = nullptr,
                           nlohmann::json* model = nullptr, const NetSource* pinned = nullptr);

// The referenced tensors copied into `net` (init_from), strictly: every name must match; a
// mismatch names the tensors and both shapes. Returns where they came from.
NetSource init_from_ref(nn::Module& net, const nlohmann::json& ref, const std::string& pointer,
                        const std::string& default_net);

}  // namespace ganlite::gan
