// DMAD's block after a conv, norm -> channel mask -> activation: the fused op norm_mask_act
// against the same maths as three ops (norm, mul by the mask, activation), forward and backward
// (gradients to x, the affine and the mask), f32, on the shapes of the masked generators' norms.
// Both are memory-bound: per element the fused forward reads x and writes y after the statistics'
// two reads of x (16 bytes), the chain writes and rereads u and m*u (32 bytes); the backward
// passes are the norm's in both, plus the chain's mul and activation backward. Prediction: the
// fused forward in about half the chain's time, the pair in about 0.6 of it.
// Usage: bench_norm_mask [--reps 20] [--device cpu|cuda] [--json]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "engine/autograd.h"
#include "engine/backend.h"
#include "engine/ops.h"
#include "engine/random.h"

using namespace ganlite;

namespace {

struct Shape4 {
  const char* name;
  int64_t n, c, h, w;
  MaskedNorm::Norm norm;
};

// CycleGAN ResNet at 256^2 (instance norm): the first conv's output and a residual block's;
// pix2pix U-Net (batch norm, batch 4); a narrow batch-16 case.
const Shape4 kShapes[] = {
    {"cyclegan_first_64x256x256", 1, 64, 256, 256, MaskedNorm::Norm::instance},
    {"cyclegan_res_256x64x64", 1, 256, 64, 64, MaskedNorm::Norm::instance},
    {"unet_b4_128x64x64", 4, 128, 64, 64, MaskedNorm::Norm::batch},
    {"b16_32x32x32", 16, 32, 32, 32, MaskedNorm::Norm::instance},
};

double now_ms() {
  using namespace std::chrono;
  return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

struct Inputs {
  Tensor x, w, b, m, rm, rv;
};

// One forward (and backward when `backward`); fused or the three-op chain.
void pass(bool fused, bool backward, const Inputs& in, MaskedNorm::Norm norm) {
  const bool batch = norm == MaskedNorm::Norm::batch;
  Tensor y;
  if (fused) {
    MaskedNorm o;
    o.norm = norm;
    y = norm_mask_act(in.x, in.w, in.b, batch ? in.rm : Tensor(), batch ? in.rv : Tensor(), in.m,
                      o);
  } else {
    const Tensor u =
        batch ? batch_norm(in.x, in.w, in.b, in.rm, in.rv, true) : instance_norm(in.x, in.w, in.b);
    y = relu(u * in.m.reshape({1, -1, 1, 1}));
  }
  if (backward) grad({sum(y)}, {in.x, in.w, in.b, in.m});
}

// Variant k: fused (even) or the chain, forward only (k < 2) or forward and backward.
void run_variant(int k, const Inputs& in, MaskedNorm::Norm norm) {
  const bool fused = k % 2 == 0, backward = k >= 2;
  if (backward) {
    pass(fused, true, in, norm);
  } else {
    NoGradGuard ng;
    pass(fused, false, in, norm);
  }
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 20;
  bool json = false;
  Device dev = Device::cpu;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--reps" && i + 1 < argc) {
      reps = std::atoi(argv[++i]);
    } else if (a == "--device" && i + 1 < argc) {
      const std::string d = argv[++i];
      if (d != "cpu" && d != "cuda") {
        std::fprintf(stderr, "bench_norm_mask: --device is cpu or cuda, got %s\n", d.c_str());
        return 2;
      }
      dev = d == "cuda" ? Device::cuda : Device::cpu;
    } else if (a == "--json") {
      json = true;
    } else {
      std::fprintf(stderr, "usage: bench_norm_mask [--reps N] [--device cpu|cuda] [--json]\n");
      return 2;
    }
  }
  std::string why;
  if (dev == Device::cuda && !cuda_available(&why)) {
    std::fprintf(stderr, "bench_norm_mask: no GPU: %s\n", why.c_str());
    return 77;
  }
  if (!json)
    std::printf("%-28s %10s %10s %10s %10s %8s %8s\n", "shape", "fused fwd", "chain fwd",
                "fused f+b", "chain f+b", "fwd x", "f+b x");
  Generator g(7);
  for (const Shape4& s : kShapes) {
    Inputs in;
    in.x = randn({s.n, s.c, s.h, s.w}, g).to(dev).requires_grad_(true);
    in.w = (rand({s.c}, g) + 0.5).to(dev).requires_grad_(true);
    in.b = randn({s.c}, g).to(dev).requires_grad_(true);
    in.m = rand({s.c}, g).to(dev).requires_grad_(true);
    in.rm = zeros({s.c}, DType::f32, dev);
    in.rv = ones({s.c}, DType::f32, dev);
    std::vector<double> ms[4];
    for (int k = 0; k < 4; ++k) run_variant(k, in, s.norm);  // warm-up
    // The four variants in turn in every repetition, so that drift hits them alike.
    for (int r = 0; r < reps; ++r)
      for (int k = 0; k < 4; ++k) {
        synchronize(dev);
        const double t0 = now_ms();
        run_variant(k, in, s.norm);
        synchronize(dev);
        ms[k].push_back(now_ms() - t0);
      }
    double t[4];
    for (int k = 0; k < 4; ++k) t[k] = median(ms[k]);
    if (json)
      std::printf(
          "{\"shape\": \"%s\", \"device\": \"%s\", \"fused_fwd_ms\": %.3f, \"chain_fwd_ms\": "
          "%.3f, \"fused_fwd_bwd_ms\": %.3f, \"chain_fwd_bwd_ms\": %.3f}\n",
          s.name, dev == Device::cuda ? "cuda" : "cpu", t[0], t[1], t[2], t[3]);
    else
      std::printf("%-28s %10.3f %10.3f %10.3f %10.3f %8.2f %8.2f\n", s.name, t[0], t[1], t[2], t[3],
                  t[1] / t[0], t[3] / t[2]);
  }
  return 0;
}
