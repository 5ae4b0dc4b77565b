// Techniques (compress/): what plugs into the trainer, and the registry a technique declares
// itself in. A technique is one folder under compress/ with one RegisterTechnique: its name, its
// parameters in the spec's table form (validated by `ganlite spec check`, defaults written to
// spec.resolved.json, listed by `ganlite spec schema` and docs/spec.md), the networks it trains
// (each gets an optimizer section /optim/<name>), a factory, and optionally what `ganlite export`
// writes and which rows `ganlite report` prints for its runs. Teachers it declares as net_ref
// parameters are loaded by the run before setup (gan/train/run.h).
#pragma once
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "gan/train/spec.h"
#include "gan/train/steps.h"
#include "nn/module.h"

namespace ganlite::gan {

struct RunCheckpoint;

// Submodules of a run's network whose every call a step records (nn::FeatureCapture).
struct CaptureRequest {
  std::string network;
  std::vector<std::string> modules;
};

// A compression or training technique: every hook is optional.
class Technique {
 public:
  virtual ~Technique() = default;
  virtual std::string name() const = 0;
  // Once, after the run built the task's networks and the teachers the spec names, and before a
  // resume loads the checkpoint (so the networks and state() names it adds exist when the
  // checkpoint is read back): add trainable networks (Run::add_trainable), pools, init_from, or
  // name another deploy network.
  virtual void setup(Run& run) { (void)run; }
  // A whole step of the technique's own (OSGAN, SlimGAN; a teacher step beside the student's
  // through task_step with other Roles): return true when it took the step (optimizers stepped,
  // scalars logged), false to let the task take its usual step.
  virtual bool step(Run& run, const data::Batch& batch, Scalars& log) {
    (void)run, (void)batch, (void)log;
    return false;
  }
  // Captured during the task's step and handed to the hooks in StepTensors::features.
  virtual std::vector<CaptureRequest> captures(const Run& run) const {
    (void)run;
    return {};
  }
  // The G loss the task's step optimises, given the task's own (add distillation or guidance
  // terms, or replace it); returning task_loss leaves the step exactly as without a technique.
  virtual Tensor g_loss(Run& run, StepTensors& t, const Tensor& task_loss, Scalars& log) {
    (void)run, (void)t, (void)log;
    return task_loss;
  }
  // The same for D's loss; the fakes in `t` are detached here.
  virtual Tensor d_loss(Run& run, StepTensors& t, const Tensor& task_loss, Scalars& log) {
    (void)run, (void)t, (void)log;
    return task_loss;
  }
  // After every step, with run.step already counting it (per-step schedules, stage switches).
  virtual void after_step(Run& run) { (void)run; }
  // Tensors beyond the networks, their optimizers and pools that exact resume needs, saved under
  // "technique." and handed back by load_state.
  virtual TensorMap state() const { return {}; }
  virtual void load_state(const TensorMap& state) { (void)state; }
};

// What `ganlite export` asks of a technique: the output path, the networks named with --net
// (empty: the deploy network), and technique options (e.g. {"width": 0.5} from --width).
struct ExportRequest {
  std::string output;
  std::vector<std::string> nets;
  nlohmann::json options = nlohmann::json::object();
};

// One row of `ganlite report`: `keys` go first in the row (e.g. {"width": 0.5}); `net` is the
// generator as it runs (timed, evaluated); `dense` the network it deploys as (profiled: what the
// row costs; may be `net`).
struct ReportVariant {
  nlohmann::ordered_json keys;
  nn::ModulePtr net, dense;
};

struct TechniqueInfo {
  std::string name;
  std::string summary;  // one sentence: docs/spec.md and `ganlite spec schema`
  // Its parameters in the spec's table form; a pointer without a leading '/' is relative to
  // /technique/params. A net_ref field with `teacher` set is loaded as that frozen teacher.
  std::vector<SpecField> params;
  // Networks it trains besides the task's: (name, description); each gets /optim/<name>.
  std::vector<std::pair<std::string, std::string>> networks;
  // Rules between its parameters and the rest of the resolved spec; may fill in defaults that
  // depend on it (a nullable parameter left null). Throws SpecError naming the pointer.
  std::function<void(nlohmann::json& resolved)> check;
  std::function<std::unique_ptr<Technique>(const nlohmann::json& resolved)> make;
  // Optional: writes what `ganlite export` makes of this technique's runs and returns a line
  // saying what; "" lets the generic export (the networks as they are) run instead.
  std::function<std::string(const RunCheckpoint&, const ExportRequest&)> export_run;
  // Optional: the rows of `ganlite report` (default: one row, the deploy network).
  std::function<std::vector<ReportVariant>(const RunCheckpoint&)> report_variants;
  // true: its Technique::step replaces the generation step, which is where the spec's gradient
  // penalties (losses.r1_gamma, lambda_gp, pl_weight) apply: the spec refuses them.
  bool own_step = false;
  // false: left out of technique_names() and the schema (a test's own technique).
  bool listed = true;
};

// Registers a technique when its file's statics are initialised (compress/ is linked whole, so
// every technique folder's registration runs). A name registered twice is an error.
struct RegisterTechnique {
  explicit RegisterTechnique(TechniqueInfo info);
};
const TechniqueInfo* find_technique(const std::string& name);  // null when unknown
std::vector<std::string> technique_names();                    // sorted, listed ones
// The technique a resolved spec names, built by its factory; null when it names none.
std::unique_ptr<Technique> make_technique(const nlohmann::json& resolved_spec);

}  // namespace ganlite::gan
