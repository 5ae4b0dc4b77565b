// Tiny runs for the trainer tests, shared by the CPU suite (test_trainer.cpp) and the CUDA suite
// (tests/cuda/test_cuda_train.cpp): specs small enough to train dozens of steps in a second on
// real Fashion-MNIST batches, and readers of what a run wrote.
#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "engine/safetensors.h"
#include "gan/train/trainer.h"
#include "nn/data/fashion.h"

namespace ganlite::test {

// A fresh, empty directory under the temp dir, unique to this process; all of them are removed
// when the process exits (set GANLITE_KEEP_TEST_DIRS to keep them).
std::string out_dir(const std::string& name);

// DCGAN (vanilla loss), 20 steps of batch 4 over 40 images, linear decay from step 10; logs
// every step, samples and checkpoints every 10.
nlohmann::json tiny_spec(const std::string& out);
// CycleGAN on sneaker <-> ankle boot with one residual block, lsgan, pool of 3, 8 steps.
nlohmann::json tiny_cyclegan(const std::string& out);
// pix2pix on edges -> item: a 5-level U-Net against a 1-layer PatchGAN, 4 steps.
nlohmann::json tiny_pix2pix(const std::string& out);
// The Fashion-MNIST example specs of specs/ (image-folder specs skipped), each cut to one step of
// batch 2 that logs, samples and writes into out: (file name, spec).
std::vector<std::pair<std::string, nlohmann::json>> example_specs_one_step(const std::string& out);

// gan::train on the resolved spec, quietly.
gan::TrainResult run(const nlohmann::json& spec, int64_t stop_after = -1,
                     const std::string& resume = "",
                     std::shared_ptr<gan::Technique> technique = nullptr);
// The lines of run_dir/metrics.jsonl.
std::vector<nlohmann::json> metrics(const std::string& run_dir);

// Catch checks: every tensor equal (same keys, shapes, dtypes and values: compared as f64 after
// an exact widening, so equal values <=> equal bits, -0 and +0 aside); the losses of every
// metrics line equal, key by key (timings skipped).
void check_same_state(const TensorMap& a, const TensorMap& b);
// Equal values (compared as f64 after an exact widening).
bool same(const Tensor& a, const Tensor& b);
// The message f throws, or "(no error)".
std::string error_of(const std::function<void()>& f);
void check_same_losses(const std::vector<nlohmann::json>& a, const std::vector<nlohmann::json>& b);

}  // namespace ganlite::test

// Returns from the test (with a warning) where Debian's dataset-fashion-mnist is not installed.
#define REQUIRE_FASHION()                                                                 \
  if (!ganlite::data::fashion_mnist_available()) {                                        \
    WARN("skipped: Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)"); \
    return;                                                                               \
  }
