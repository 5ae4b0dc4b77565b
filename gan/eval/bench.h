// Model benchmarks for `ganlite bench model`: inference latency per batch size and one training
// iteration (the trainer's generation step, gan::generation_step: a D step and a G step, LSGAN
// losses, Adam; it reads its four logged scalars, as training does), optionally D's step alone
// without and with the R1 penalty (the cost of its double backward), by the gan-compression
// protocol:
// warm-up runs, a device synchronisation around each timed run, median and p90 of N runs. The
// achieved rate is set against a ceiling measured in the same run (a square SGEMM through
// matmul on the same device), not a datasheet figure.
#pragma once
#include <string>
#include <vector>

#include "engine/safetensors.h"
#include "engine/tensor.h"
#include "gan/models/registry.h"

namespace ganlite::gan {

struct BenchOptions {
  std::string model;    // registry name of the network timed (the generator in train steps)
  Options options;      // its options
  TensorMap weights;    // loaded strictly into it when given (else its initialisation)
  std::string d_model;  // registry name of D for the training step ("" = no training step)
  Options d_options;    // D's options
  bool paired = false;  // pix2pix: D judges cat(G's input, image) pairs
  int64_t height = 256, width = 256;
  std::vector<int64_t> batches = {1, 16};
  int64_t train_batch = 1;
  bool r1 = false;  // with D: also time D's step without and with the R1 penalty
  int runs = 10, warmup = 2;
  Device device = Device::cpu;
  uint64_t seed = 1;
  std::string save_dir;  // when set: weights.safetensors (G, and D.* when trained) and
                         // io.safetensors (a batch-1 input, labels, the eval-mode output)
};

struct Timing {
  int64_t batch = 1;
  double median_ms = 0, p90_ms = 0;
  double gflops = 0;  // 2 * true MACs per image * batch / median
};

struct BenchResult {
  Shape input;  // batch-1 input shape
  int64_t params = 0;
  double macs_torchprofile = 0, macs_true = 0;  // per image
  double peak_gflops = 0;                       // the SGEMM ceiling measured on the device
  int threads = 1;
  std::vector<Timing> infer;
  bool trained = false;
  Timing train_step;  // batch = train_batch; gflops counts no MACs (only time is compared)
  bool r1_timed = false;
  Timing d_step, d_step_r1;  // D's step alone (gan::discriminator_step), without and with R1
};

BenchResult bench_model(const BenchOptions& o);

}  // namespace ganlite::gan
