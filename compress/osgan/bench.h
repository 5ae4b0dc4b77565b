// The OSGAN benchmark behind `ganlite bench osgan`: the training step of two-stage and of
// one-stage training timed on the same networks and the same real batches and latents,
// interleaved in one process (warm-up first, then the two alternated, the order swapped every
// round), medians reported.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "compress/osgan/osgan.h"

namespace ganlite::compress {

struct OsganBenchOptions {
  std::string device = "cpu";  // or "cuda": the spec's device for this benchmark
  int64_t steps = 20;          // timed steps of each kind
  int64_t warmup = 3;          // untimed steps of each kind first
  int64_t batches = 8;         // distinct real batches, cycled
};

struct OsganBenchResult {
  double two_stage_ms = 0, one_stage_ms = 0, speedup = 0;  // medians; speedup = two / one
  std::vector<double> two_stage_all, one_stage_all;        // every timed step, ms
  double paired_speedup = 0;  // median over rounds of two / one (robust to load drifting)
  std::string G, D;           // registry names
  gan::GanMode loss = gan::GanMode::vanilla;
  OsganMode mode = OsganMode::asymmetric;
  bool concat = true;  // one D forward on cat(real, fake)
  int64_t batch_size = 0;
  int threads = 0;
};

// Builds the spec's gan::Run (G and D by make_model + spec_model_options, their optimizers, the
// trainer's initialisation) and the first batches of gan::make_dataset, then times
// gan::task_step against OsganTechnique::step. Errors: a task other than generation, device
// cuda without a CUDA device (the gan::Run's error, naming /device).
OsganBenchResult bench_osgan(const nlohmann::json& resolved_spec, const OsganBenchOptions& options);

double median_of(std::vector<double> v);

}  // namespace ganlite::compress
