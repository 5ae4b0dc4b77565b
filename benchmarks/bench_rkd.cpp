// RKD's angle loss (compress/crd/relation.h), forward and backward, in its two forms: the Gram
// form (O(N^2 D + N^3) work, (N, N, N) tensors, no (N, N, D) one) and the direct form (the (N, N,
// D) tensor of normalised differences, as the reference code builds it). f32, one item set of N
// items of D features (CRD's rows of a 3x256x256 output: N 256, D 768). For each: the median
// time of --reps forward+backward passes and the allocator's peak of live tensor bytes during one
// pass (the inputs excluded), and the process's resident-memory high-water growth over that pass
// (ru_maxrss, comparable with PyTorch's: run one form per process with --form). Compare with
// benchmarks/torch_rkd.py (PyTorch, direct form).
// Usage: bench_rkd [--n 256] [--d 768] [--reps 5] [--form gram|direct|both] [--json]
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "compress/crd/relation.h"
#include "engine/autograd.h"
#include "engine/ops.h"
#include "engine/random.h"
#include "kernels/cpu/allocator.h"
#include "kernels/cpu/gemm.h"

using namespace ganlite;

namespace {

double now_ms() {
  using namespace std::chrono;
  return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

double max_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_maxrss) / 1024;
}

// One forward and backward of the angle loss; returns the student's gradient.
Tensor pass(bool gram, const Tensor& s, const Tensor& t) {
  Tensor x = s.detach().requires_grad_(true);
  const Tensor loss =
      gram ? compress::rkd_angle_loss(x, t)
           : smooth_l1_loss(compress::triplet_angles_direct(x), compress::triplet_angles_direct(t));
  return grad({loss}, {x})[0];
}

}  // namespace

int main(int argc, char** argv) {
  int64_t n = 256, d = 768;
  int reps = 5;
  bool json = false;
  std::string which = "both";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--n" && i + 1 < argc)
      n = std::atoll(argv[++i]);
    else if (a == "--d" && i + 1 < argc)
      d = std::atoll(argv[++i]);
    else if (a == "--reps" && i + 1 < argc)
      reps = std::atoi(argv[++i]);
    else if (a == "--form" && i + 1 < argc)
      which = argv[++i];
    else if (a == "--json")
      json = true;
    else {
      std::fprintf(stderr,
                   "usage: bench_rkd [--n N] [--d D] [--reps R] [--form gram|direct|both] "
                   "[--json]\n");
      return 2;
    }
  }
  if (which != "gram" && which != "direct" && which != "both") {
    std::fprintf(stderr, "bench_rkd: --form is gram, direct or both, got %s\n", which.c_str());
    return 2;
  }
  Generator g(1);
  const Tensor s = randn({n, d}, g), t = randn({n, d}, g);
  {  // warm-up at a small size: the code paths resident before the measured pass
    const Tensor s8 = s.slice(0, 0, 8).slice(1, 0, 8).contiguous();
    pass(true, s8, t.slice(0, 0, 8).slice(1, 0, 8).contiguous());
    pass(false, s8, t.slice(0, 0, 8).slice(1, 0, 8).contiguous());
  }
  double diff = -1, scale = 0;  // the two forms' gradients, when both run
  if (which == "both") {
    const auto a = pass(true, s, t).to_vector<float>(), b = pass(false, s, t).to_vector<float>();
    diff = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      diff = std::max(diff, double(std::abs(a[i] - b[i])));
      scale = std::max(scale, double(std::abs(b[i])));
    }
  }
  if (!json)
    std::printf(
        "rkd angle loss, N %lld, D %lld, f32, %d threads; gradients of the two forms "
        "agree to %.2e (max |grad| %.2e; -1: one form run)\n%-8s %12s %16s %14s\n",
        (long long)n, (long long)d, cpu::num_threads(), diff, scale, "form", "fwd+bwd ms",
        "peak tensor MB", "RSS growth MB");
  for (bool gram : {true, false}) {
    if (which != "both" && which != (gram ? "gram" : "direct")) continue;
    cpu::empty_cache();
    const size_t base = cpu::memory_stats().in_use;
    cpu::reset_peak();
    const double rss0 = max_rss_mb();
    pass(gram, s, t);
    const double peak_mb = double(cpu::memory_stats().peak - base) / (1 << 20);
    const double rss_mb = max_rss_mb() - rss0;
    std::vector<double> ms;
    for (int r = 0; r < reps; ++r) {
      const double t0 = now_ms();
      pass(gram, s, t);
      ms.push_back(now_ms() - t0);
    }
    std::sort(ms.begin(), ms.end());
    const double med = ms[ms.size() / 2];
    const char* form = gram ? "gram" : "direct";
    if (json)
      std::printf(
          "{\"form\": \"%s\", \"n\": %lld, \"d\": %lld, \"threads\": %d, \"ms\": %.3f, "
          "\"peak_mb\": %.1f, \"peak_rss_mb\": %.1f, \"grad_max_diff\": %.3e}\n",
          form, (long long)n, (long long)d, cpu::num_threads(), med, peak_mb, rss_mb, diff);
    else
      std::printf("%-8s %12.2f %16.1f %14.1f\n", form, med, peak_mb, rss_mb);
  }
  return 0;
}
