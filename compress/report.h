// The generation report that scripts/demo.sh prints (ganlite report): per width of a SlimGAN run
// (one row for any other generation run) params, MACs in both conventions, CPU latency per
// image, FD-FMNIST, KID-FMNIST, class accuracy of the samples, and the consistency between
// adjacent widths; plus a sample grid with one row per width.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "gan/train/trainer.h"

namespace ganlite::compress {

struct ReportOptions {
  int64_t num = 2000;         // samples per width for FD-FMNIST, KID and class accuracy
  int64_t consistency = 500;  // shared (z, y) pairs for the adjacent-width L1
  int latency_reps = 30;      // batch-1 forwards timed per width (median)
  uint64_t seed = 0;
  bool floor = true;      // also FD-FMNIST of real train vs real test images (num each)
  std::string weights;    // FD-FMNIST classifier; "" = the default
  std::string grid_path;  // "" = no grid; else one row per width, classes 0..9 in columns
};

// {"run", "step", "technique", "num", "fd_fmnist_floor", "grid", "widths": [{"width",
// "params", "macs_torchprofile", "macs_true", "latency_ms", "fd_fmnist", "kid_fmnist",
// "class_accuracy", "l1_to_next_width"}, ...]}. params and MACs are those of the dense network
// that width runs as (compress/slimgan export_width): what the width costs. latency_ms is one image
// through the slimmable G at that width (batch 1, median), on this machine's CPU.
// l1_to_next_width: mean |G_w(z, y) - G_w'(z, y)| with w' the next wider width (absent for the
// widest). class_accuracy only for class-conditional generators.
nlohmann::ordered_json generation_report(const gan::RunCheckpoint& checkpoint,
                                         const std::string& run_name, const ReportOptions& o);

// The report as an aligned text table.
std::string report_table(const nlohmann::ordered_json& report);

}  // namespace ganlite::compress
