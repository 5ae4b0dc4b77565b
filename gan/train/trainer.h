// The training loop that every spec runs through (docs/training.md): a task (what G and D learn
// from the data: task.h), the run's named networks (run.h), the task's step (steps.h) and an
// optional technique (technique.h) that adds networks, teachers, losses, schedules or a step of
// its own. The trainer owns the run directory: spec.resolved.json, metrics.jsonl,
// samples/step_XXXXXX.png, checkpoints/{latest,step_XXXXXX}.safetensors (checkpoint.h), and
// resumes a run bit-identically from its latest checkpoint.
#pragma once
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "gan/train/checkpoint.h"
#include "gan/train/run.h"
#include "gan/train/steps.h"
#include "gan/train/task.h"
#include "gan/train/technique.h"

namespace ganlite::gan {

struct TrainOptions {
  std::string out_dir;      // overrides spec.logging.out_dir when not empty
  std::string resume_dir;   // continue this run directory (or checkpoint in RUN/checkpoints/)
  std::string resume_from;  // with resume_dir a directory: "step_000030" or a checkpoint path
                            // instead of its latest checkpoint
  bool allow_thread_change = false;  // resume a CPU run on another thread count (a warning)
  int64_t stop_after = -1;  // >= 0: stop (with a checkpoint) once this many steps are done, as
                            // an interruption would; for tests of resume
  double time_limit_s = 0;  // > 0: stop (with a checkpoint) once this much training time has
                            // passed, as an interruption would; for equal-time comparisons
  bool quiet = false;       // no progress line on stdout
  // The technique to train with; null: the one the spec names (make_technique). Shared: the
  // caller may keep a handle to read it after. Given, it must be the one the spec names, or the
  // spec must name none.
  std::shared_ptr<Technique> technique;
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
// run's, and that its teachers are the files it was trained with.
TrainResult train(const nlohmann::json& resolved_spec, TrainOptions options);

}  // namespace ganlite::gan
