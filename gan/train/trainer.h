// The training loop that every spec runs through: a task (what G and D learn from the data) and an
// optional technique (compress/) that plugs extra networks, losses, schedules or a whole step of
// its own into it. The trainer owns the run directory (docs/training.md): spec.resolved.json,
// metrics.jsonl, samples/step_XXXXXX.png, checkpoints/{latest,step_XXXXXX}.safetensors, and
// resumes a run bit-identically from its latest checkpoint.
#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/random.h"
#include "engine/safetensors.h"
#include "gan/train/image_pool.h"
#include "gan/train/losses.h"
#include "nn/data/loader.h"
#include "nn/module.h"
#include "nn/optim.h"
#include "nn/schedule.h"

namespace ganlite::gan {

// What the spec trains, read from its task and data.dataset:
//   generation  noise (+ class) -> image; fashion_mnist, single_folder (DCGAN, SNGAN, StyleGAN2)
//   unpaired    CycleGAN: G_A: A -> B, G_B: B -> A, D_A judges B, D_B judges A (fashion_unpaired,
//               unaligned_folder)
//   paired      pix2pix: G: A -> B, D judges cat(A, B) (fashion_edges, aligned_folder)
//   classifier  model.G is a classifier trained with cross-entropy on labelled images
enum class TaskKind { generation, unpaired, paired, classifier };
TaskKind task_kind(const nlohmann::json& resolved_spec);
const char* task_kind_name(TaskKind kind);

// Named scalars of one step (losses, accuracies), in the order they are printed.
using Scalars = std::vector<std::pair<std::string, double>>;

// What the task's own G step computed, for a technique's extra_g_loss. `fake` is attached to the
// graph; for unpaired tasks it is G_A(real_a).
struct StepTensors {
  Tensor real_a;  // the data batch's images (generation: real images)
  Tensor real_b;  // paired/unpaired partner images; undefined for generation
  Tensor labels;  // (B) i64 class labels of the generated samples; undefined if unconditional
  Tensor z;       // generation: the latent G ran on
  Tensor fake;    // G's output
};

class Run;

// A compression or training technique (techniques.md): every hook is optional.
class Technique {
 public:
  virtual ~Technique() = default;
  virtual std::string name() const = 0;
  // Once, after the task built its networks and optimizers (and before a resume loads the
  // checkpoint, so that state() names exist when it is read back). A technique may replace
  // run.G / run.D and their optimizers here (a slimmable G), or add teachers.
  virtual void setup(Run& run) { (void)run; }
  // A whole training step of the technique's own (OSGAN, SlimGAN): return true when it took the
  // step (optimizers stepped, scalars logged), false to let the task take its usual step.
  virtual bool step(Run& run, const data::Batch& batch, Scalars& log) {
    (void)run, (void)batch, (void)log;
    return false;
  }
  // Added to the task's G loss before its backward (distillation, teacher guidance); an
  // undefined tensor adds nothing.
  virtual Tensor extra_g_loss(Run& run, const StepTensors& t, Scalars& log) {
    (void)run, (void)t, (void)log;
    return Tensor();
  }
  // Added to the task's D loss; `t.fake` is detached here.
  virtual Tensor extra_d_loss(Run& run, const StepTensors& t, Scalars& log) {
    (void)run, (void)t, (void)log;
    return Tensor();
  }
  // After every step, with run.step already counting it (per-step schedules, stage switches).
  virtual void after_step(Run& run) { (void)run; }
  // Tensors beyond G, D, their optimizers and pools that exact resume needs (teacher weights,
  // extra optimizers), saved under "technique.<name>" and handed back by load_state.
  virtual TensorMap state() const { return {}; }
  virtual void load_state(const TensorMap& state) { (void)state; }
};

// A run's networks, optimizers, random state and counters: what a step reads and writes, and
// what a checkpoint holds.
class Run {
 public:
  // Builds the task's networks and optimizers from a resolved spec (resolve_spec) and seeds the
  // default generator with spec.seed. Errors (an unsupported combination) name the field.
  explicit Run(nlohmann::json resolved_spec);

  nlohmann::json spec;  // resolved
  TaskKind task;
  GanMode mode;
  nn::ModulePtr G, D;                           // unpaired: G_A, D_A
  nn::ModulePtr G2, D2;                         // unpaired: G_B, D_B; null otherwise
  std::unique_ptr<nn::Optimizer> opt_G, opt_D;  // opt_G over G (+ G2), opt_D over D (+ D2)
  std::unique_ptr<ImagePool> pool_A, pool_B;    // unpaired: fakes of domain A / B
  Generator gen;  // latents, sampled labels and pool choices; checkpointed with its offset
  // spec.device: networks, optimizer state, latents and pools live there; data batches are
  // loaded on the CPU and moved by to_device.
  Device device = Device::cpu;
  int64_t num_classes = 0;  // generation: > 0 for a class-conditional G
  int64_t batch_size = 1;
  int64_t steps_per_epoch = 1;
  int64_t total_steps = 0;
  int64_t step = 0;  // steps done

  // The batch's tensors moved onto the run's device (a no-op on cpu).
  void to_device(data::Batch& batch) const;
  // Generation: a batch of n latents (gan::latent_shape) from gen, on the run's device (the same
  // numbers on either device).
  Shape latent_shape(int64_t n) const;
  Tensor sample_latent(int64_t n);
  // Generation: n class labels uniform in [0, num_classes) from gen, on the run's device;
  // undefined if unconditional.
  Tensor sample_labels(int64_t n);
  // G(z) with the labels set on G's conditional layers (when defined).
  Tensor generate(const Tensor& z, const Tensor& labels = Tensor());
  // D(x) with labels set on D's conditional layers (projection D) when defined.
  Tensor discriminate(const Tensor& x, const Tensor& labels = Tensor());
  // The epoch the current step belongs to, and the schedule counter (epochs or steps).
  int64_t epoch() const { return step / steps_per_epoch; }
  int64_t schedule_counter() const;
  // Sets both optimizers' lr from the spec's schedule at the current counter.
  void apply_schedule();

  // Every tensor of the run's state, with prefixes: "G.", "D.", "G2.", "D2." (state_dict),
  // "opt_G.", "opt_D." (optimizer state), "pool_A.<i>", "pool_B.<i>"; the technique's under
  // "technique.".
  TensorMap state_tensors(const Technique* technique) const;
  void load_state_tensors(const TensorMap& tensors, Technique* technique);
};

struct TrainOptions {
  std::string out_dir;      // overrides spec.logging.out_dir when not empty
  std::string resume_dir;   // continue the run in this directory from its latest checkpoint
  int64_t stop_after = -1;  // >= 0: stop (with a checkpoint) once this many steps are done, as
                            // an interruption would; for tests of resume
  double time_limit_s = 0;  // > 0: stop (with a checkpoint) once this much training time has
                            // passed, as an interruption would; for equal-time comparisons
  bool quiet = false;       // no progress line on stdout
  std::shared_ptr<Technique> technique;  // shared: the caller may keep a handle to read it after
};

struct TrainResult {
  std::string run_dir;
  int64_t steps_done = 0;
  bool interrupted = false;  // by SIGINT/SIGTERM or stop_after
  int signal = 0;            // the signal that interrupted it
  double seconds = 0;
  Scalars last;  // the last step's scalars
};

// Runs the spec in out_dir/name (or resume_dir). SIGINT/SIGTERM during training finish the current
// step, write a checkpoint and return with interrupted = true. Errors in the spec or data are
// thrown before any output file is touched; a resume checks that the checkpoint's spec matches the
// run's.
TrainResult train(const nlohmann::json& resolved_spec, TrainOptions options);

// A generation spec's latent shape for n samples (gan::profile_input of model.G at the data's
// image side), and the number of classes a generator is conditioned on (that of its first
// label-conditioned layer; 0 when it has none).
Shape latent_shape(const nlohmann::json& resolved_spec, int64_t n);
int64_t conditional_classes(nn::Module& G);

// The task's step without a technique's step (techniques that replace only part of it call it).
Scalars task_step(Run& run, const data::Batch& batch, Technique* technique);

// The dataset a spec's data section names (nn/data), for training (phase from the spec) or for
// evaluation (phase "test" where the dataset has one).
std::shared_ptr<const data::Dataset> make_dataset(const nlohmann::json& resolved_spec,
                                                  bool for_eval = false);

// A checkpoint written by train(): the resolved spec, the step and every state tensor.
struct RunCheckpoint {
  nlohmann::json spec;
  int64_t step = 0;
  TensorMap tensors;
  Metadata metadata;
};
RunCheckpoint load_run_checkpoint(const std::string& path);
// A checkpoint file as it is, or a run directory's checkpoints/latest.safetensors; an error
// naming the path when there is none.
std::string resolve_checkpoint_path(const std::string& run_dir_or_file);
// A network of the checkpoint built from its spec and loaded, in eval mode: "G", "D", and for
// unpaired runs "G2" (B -> A) and "D2". An error names the checkpoint and the missing network.
nn::ModulePtr load_network(const RunCheckpoint& checkpoint, const std::string& which = "G");

}  // namespace ganlite::gan
