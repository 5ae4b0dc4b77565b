// Run checkpoints (docs/training.md, docs/checkpoints.md): one safetensors file holding every
// trainable network's state_dict under "<name>.", each optimizer's state under "opt_<name>.",
// the image pools under "pool_<D>.<i>", the technique's state under "technique.", and in the
// metadata the resolved spec, the step, both random generators, the deploy network and a
// description of every network ("networks": model, optimizer section, source). Frozen teachers
// are not stored: they are reloaded from their source, which the metadata pins by SHA-256.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/safetensors.h"
#include "nn/module.h"

namespace ganlite::gan {

class Run;
class Technique;

// Written into every checkpoint's metadata as "format_version". Version 1 (no such key) kept
// one optimizer over G and G2 ("opt_G.") and named the pools pool_A/pool_B: its networks load,
// an unpaired run of that version does not resume.
constexpr int kCheckpointFormat = 2;

// A checkpoint written by train() or `ganlite export`: the resolved spec, the step and every
// state tensor.
struct RunCheckpoint {
  nlohmann::json spec;
  int64_t step = 0;
  TensorMap tensors;
  Metadata metadata;
  std::string path;
};
RunCheckpoint load_run_checkpoint(const std::string& path);
// Writes the run's state as DIR/step_XXXXXX.safetensors and DIR/latest.safetensors (each save
// atomic), and restores a run from a checkpoint (networks, optimizers, pools, the technique's
// state, the step and both random generators).
void save_run_checkpoint(const Run& run, const Technique* technique, const std::string& dir);
void restore_run(Run& run, Technique* technique, const RunCheckpoint& checkpoint);
// Where a resume continues: `target` is a run directory (its latest checkpoint, or `from`: a
// checkpoint's name, "step_000030", or path) or a checkpoint file inside RUN/checkpoints/.
// Errors name what is missing and list the run's checkpoints.
struct ResumePoint {
  std::string run_dir, checkpoint;
};
ResumePoint resume_point(const std::string& target, const std::string& from = "");
// The names of a run's checkpoints that load intact (every byte checked), newest step first.
std::vector<std::string> intact_checkpoints(const std::string& run_dir);
// A checkpoint file as it is, or a run directory's checkpoints/latest.safetensors; an error
// naming the path when there is none.
std::string resolve_checkpoint_path(const std::string& run_dir_or_file);
// The checkpoint's metadata "format_version" (1 when absent).
int checkpoint_format(const RunCheckpoint& checkpoint);

// The network samples, infer, eval, report, `profile RUN` and export use by default: metadata
// "deploy" (a technique may name a student), else "G".
std::string deploy_network(const RunCheckpoint& checkpoint);
// Networks whose tensors the checkpoint holds, in the order the run added them.
std::vector<std::string> stored_networks(const RunCheckpoint& checkpoint);
// How to build network `name`: {"name": registry name, "options": {...}}, from the metadata's
// "networks", else from the spec (G and G2 are model.G, D and D2 model.D). An error when the
// checkpoint does not describe it.
nlohmann::json network_model(const RunCheckpoint& checkpoint, const std::string& name);
// Network `name` ("" = the deploy network) built from its description and strictly loaded, in
// eval mode. An error names the checkpoint and lists the networks it holds; a frozen teacher
// (not stored) is named as such, with its source.
nn::ModulePtr load_network(const RunCheckpoint& checkpoint, const std::string& name = "");

// The generic export: the named networks (built and strictly loaded first, so a checkpoint that
// does not fit its description is refused) with the metadata that lets load_network, infer and
// eval read the file as a checkpoint (spec, step, task, technique, deploy, networks).
Safetensors export_networks(const RunCheckpoint& checkpoint, const std::vector<std::string>& nets);

}  // namespace ganlite::gan
