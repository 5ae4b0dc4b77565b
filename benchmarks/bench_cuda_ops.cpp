// Memory-bound CUDA ops against the copy ceiling: each op's bytes (inputs read once, output
// written once) over its median time, as a share of the device-to-device copy rate measured in
// the same run. Inputs are random; the timed region holds only the op (CUDA events).
//   bench_cuda_ops [--reps N] [--csv FILE]
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "engine/autograd.h"
#include "engine/backend.h"
#include "engine/ops.h"
#include "engine/random.h"
#include "kernels/cuda/device.h"

using namespace ganlite;

namespace {

double median_ms(int reps, const std::function<void()>& fn) {
  cuda::EventTimer t;
  for (int i = 0; i < 3; ++i) fn();
  std::vector<double> ms;
  for (int i = 0; i < reps; ++i) {
    t.start();
    fn();
    ms.push_back(t.stop_ms());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

struct Row {
  std::string name;
  double bytes, ms;
};

}  // namespace

int main(int argc, char** argv) {
  int reps = 50;
  const char* csv = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--reps") && i + 1 < argc)
      reps = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--csv") && i + 1 < argc)
      csv = argv[++i];
    else {
      std::fprintf(stderr, "usage: bench_cuda_ops [--reps N] [--csv FILE]\n");
      return 2;
    }
  }
  std::string why;
  if (!cuda_available(&why)) {
    std::printf("SKIPPED: no CUDA device (%s)\n", why.c_str());
    return 77;
  }
  NoGradGuard ng;
  Generator gen(1);
  const Device dev = Device::cuda;
  const int64_t n = int64_t(1) << 26;  // 256 MiB of f32 per operand: far beyond L2
  Tensor a = randn({n}, gen, DType::f32, dev), b = randn({n}, gen, DType::f32, dev);
  Tensor dst = empty({n}, DType::f32, dev);
  std::vector<Row> rows;
  auto add_row = [&](const char* name, double bytes, const std::function<void()>& fn) {
    rows.push_back({name, bytes, median_ms(reps, fn)});
  };
  const double f = 4.0;
  add_row("cudaMemcpy d2d (ceiling)", 2 * f * n,
          [&] { cuda::copy_device(dst.data<float>(), a.data<float>(), f * n); });
  add_row("copy_ (dense, f32 -> f64)", 3 * f * n, [&] { a.to(DType::f64); });
  add_row("add (dense)", 3 * f * n, [&] { add(a, b); });
  add_row("relu", 2 * f * n, [&] { relu(a); });
  add_row("add (row broadcast)", 2 * f * n, [&] {
    add(a.view({n / 1024, 1024}), b.slice(0, 0, 1024));
  });
  add_row("contiguous (transpose)", 2 * f * n, [&] {
    a.view({8192, n / 8192}).transpose(0, 1).contiguous();
  });
  add_row("sum (all)", f * n, [&] { sum(a); });
  Tensor act = randn({1, 256, 64, 64}, gen, DType::f32, dev);  // a CycleGAN residual activation
  add_row("instance_norm 1x256x64x64", 2 * f * act.numel(), [&] { instance_norm(act); });
  Tensor act16 = randn({16, 256, 64, 64}, gen, DType::f32, dev);
  Tensor rm = zeros({256}, DType::f32, dev), rv = ones({256}, DType::f32, dev);
  add_row("batch_norm train 16x256x64x64", 2 * f * act16.numel(),
          [&] { batch_norm(act16, Tensor(), Tensor(), rm, rv, true); });
  add_row("reflection_pad2d 16x256x64x64", f * act16.numel() * (1 + 66.0 * 66 / 4096), [&] {
    reflection_pad2d(act16, {1, 1, 1, 1});
  });
  add_row("upsample_nearest2d x2 16x256x64x64", f * act16.numel() * 5,
          [&] { upsample_nearest2d(act16, 2); });
  add_row("softmax rows 65536x1024", 2 * f * n, [&] { softmax(a.view({n / 1024, 1024}), 1); });

  double copy_tbps = rows[0].bytes / rows[0].ms * 1e-9;
  cuda::DeviceInfo info = cuda::device_info(0);
  std::printf("%s, median of %d reps; copy ceiling %.3f TB/s (read + write)\n", info.name.c_str(),
              reps, copy_tbps);
  std::printf("%-36s %10s %10s %8s\n", "op", "ms", "TB/s", "% copy");
  FILE* out = csv ? std::fopen(csv, "w") : nullptr;
  if (out) std::fprintf(out, "device,op,ms,tbps,pct_of_copy\n");
  for (const Row& r : rows) {
    double tbps = r.bytes / r.ms * 1e-9;
    std::printf("%-36s %10.4f %10.3f %7.1f%%\n", r.name.c_str(), r.ms, tbps,
                100 * tbps / copy_tbps);
    if (out)
      std::fprintf(out, "%s,%s,%.5f,%.4f,%.2f\n", info.name.c_str(), r.name.c_str(), r.ms, tbps,
                   100 * tbps / copy_tbps);
  }
  if (out) std::fclose(out);
  return 0;
}
