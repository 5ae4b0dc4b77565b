// The generation report that scripts/demo.sh prints (ganlite report): one row per variant of the
// deploy network (the rows its technique declares, e.g. one per SlimGAN width; else one row, the
// network itself) with params, MACs in both conventions, CPU latency per image, FD-FMNIST,
// KID-FMNIST, class accuracy of the samples, and the consistency between adjacent rows; plus a
// sample grid with one row per variant.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "gan/train/checkpoint.h"

namespace ganlite::gan {

struct ReportOptions {
  int64_t num = 2000;         // samples per row for FD-FMNIST, KID and class accuracy
  int64_t consistency = 500;  // shared (z, y) pairs for the L1 between adjacent rows
  int latency_reps = 30;      // batch-1 forwards timed per row (median)
  uint64_t seed = 0;
  bool floor = true;      // also FD-FMNIST of real train vs real test images (num each)
  std::string weights;    // FD-FMNIST classifier; "" = the default
  std::string grid_path;  // "" = no grid; else one row per variant, classes 0..9 in columns
};

// {"run", "step", "technique", "network", "num", "fd_fmnist_floor", "grid", "rows": [{<the
// variant's keys, e.g. "width">, "params", "macs_torchprofile", "macs_true", "latency_ms",
// "fd_fmnist", "kid_fmnist", "class_accuracy", "l1_to_next"}, ...]}. params and MACs are those
// of the network the row deploys as (ReportVariant::dense): what it costs. latency_ms is one
// image through the network as it runs (batch 1, median), on this machine's CPU. l1_to_next:
// mean |G_i(z, y) - G_i+1(z, y)| against the next row (absent for the last). class_accuracy only
// for class-conditional generators.
nlohmann::ordered_json generation_report(const RunCheckpoint& checkpoint,
                                         const std::string& run_name, const ReportOptions& o);

// The report as an aligned text table.
std::string report_table(const nlohmann::ordered_json& report);

}  // namespace ganlite::gan
