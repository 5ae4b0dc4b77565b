// CPU conv2d benchmark: forward and backward (input, weight and bias grads) in f32 on GAN
// layers: CycleGAN's residual conv, a DCGAN discriminator conv, PatchGAN's convs at batch 1
// and the generator's output conv. Results are checked against a
// direct double-precision convolution on sampled elements first, then timed (warm-up, median of
// --reps). FLOPs: 2*N*K*P*Q*(C/g)*R*S forward, twice that backward. Compare with
// benchmarks/torch_conv_cpu.py through benchmarks/conv_cpu.sh.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "engine/random.h"
#include "kernels/cpu/gemm.h"

using namespace ganlite;

namespace {

struct Layer {
  const char* name;
  int64_t n, c, h, w, k, r, s, stride, pad;
  int64_t p() const { return (h + 2 * pad - r) / stride + 1; }
  int64_t q() const { return (w + 2 * pad - s) / stride + 1; }
  double flops() const { return 2.0 * n * k * p() * q() * c * r * s; }
};

double now_ms() {
  using namespace std::chrono;
  return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

// Worst |ours - direct| / (1 + |direct|) over sampled elements of y, dx and dw.
double check(const Layer& L, const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& gy,
             const Tensor& y, const Tensor& dx, const Tensor& dw) {
  const float *X = x.data<float>(), *W = w.data<float>(), *B = b.data<float>();
  const float *G = gy.data<float>(), *Y = y.data<float>(), *DX = dx.data<float>();
  const float* DW = dw.data<float>();
  const int64_t P = L.p(), Q = L.q();
  auto xi = [&](int64_t n, int64_t c, int64_t h, int64_t w_) {
    return ((n * L.c + c) * L.h + h) * L.w + w_;
  };
  auto yi = [&](int64_t n, int64_t k, int64_t p, int64_t q) {
    return ((n * L.k + k) * P + p) * Q + q;
  };
  auto wi = [&](int64_t k, int64_t c, int64_t r, int64_t s) {
    return ((k * L.c + c) * L.r + r) * L.s + s;
  };
  double worst = 0;
  auto err = [&](double ours, double ref) {
    worst = std::max(worst, std::abs(ours - ref) / (1 + std::abs(ref)));
  };
  Generator gen(11);
  std::vector<int64_t> pick = randint(0, 1 << 30, {64 * 4}, gen).to_vector<int64_t>();
  for (int t = 0; t < 64; ++t) {
    const int64_t* u = &pick[4 * t];
    // Forward element y[n, k, p, q].
    int64_t n = u[0] % L.n, k = u[1] % L.k, p = u[2] % P, q = u[3] % Q;
    double ref = B[k];
    for (int64_t c = 0; c < L.c; ++c)
      for (int64_t r = 0; r < L.r; ++r)
        for (int64_t s = 0; s < L.s; ++s) {
          int64_t ih = p * L.stride - L.pad + r, iw = q * L.stride - L.pad + s;
          if (ih >= 0 && ih < L.h && iw >= 0 && iw < L.w)
            ref += double(X[xi(n, c, ih, iw)]) * W[wi(k, c, r, s)];
        }
    err(Y[yi(n, k, p, q)], ref);
    // Input-gradient element dx[n, c, h, w]: every output that read it.
    int64_t c = u[1] % L.c, h = u[2] % L.h, ww = u[3] % L.w;
    ref = 0;
    for (int64_t kk = 0; kk < L.k; ++kk)
      for (int64_t r = 0; r < L.r; ++r)
        for (int64_t s = 0; s < L.s; ++s) {
          int64_t ph = h + L.pad - r, pw = ww + L.pad - s;
          if (ph < 0 || pw < 0 || ph % L.stride || pw % L.stride) continue;
          ph /= L.stride, pw /= L.stride;
          if (ph < P && pw < Q) ref += double(G[yi(n, kk, ph, pw)]) * W[wi(kk, c, r, s)];
        }
    err(DX[xi(n, c, h, ww)], ref);
    // Weight-gradient element dw[k, c, r, s]: a sum over the whole batch and image.
    int64_t r = u[2] % L.r, s = u[3] % L.s;
    ref = 0;
    for (int64_t nn = 0; nn < L.n; ++nn)
      for (int64_t pp = 0; pp < P; ++pp)
        for (int64_t qq = 0; qq < Q; ++qq) {
          int64_t ih = pp * L.stride - L.pad + r, iw = qq * L.stride - L.pad + s;
          if (ih >= 0 && ih < L.h && iw >= 0 && iw < L.w)
            ref += double(X[xi(nn, c, ih, iw)]) * G[yi(nn, k, pp, qq)];
        }
    err(DW[wi(k, c, r, s)], ref);
  }
  return worst;
}

// The forward's GEMM alone (M = K, N = N*P*Q, K = C*R*S): the ceiling im2col + GEMM can reach.
double gemm_ms(const Layer& L, int reps) {
  int64_t m = L.k, n = L.n * L.p() * L.q(), k = L.c * L.r * L.s;
  std::vector<float> a(m * k, 0.01f), b(k * n, 0.02f), c(m * n);
  std::vector<double> t;
  for (int i = 0; i < reps + 2; ++i) {
    double t0 = now_ms();
    cpu::gemm<float>(false, false, m, n, k, 1.f, a.data(), k, b.data(), n, 0.f, c.data(), n);
    if (i >= 2) t.push_back(now_ms() - t0);
  }
  return median(t);
}

// fwd_only: time the forward alone (the backward still runs once, for the check), as the
// cycle counts of benchmarks/conv_cpu_cycles.sh need.
void run(const Layer& L, int reps, int warmup, bool json, bool fwd_only, bool with_gemm) {
  Generator gen(1);
  Tensor x = randn({L.n, L.c, L.h, L.w}, gen), w = randn({L.k, L.c, L.r, L.s}, gen) * 0.05;
  Tensor b = randn({L.k}, gen), gy = randn({L.n, L.k, L.p(), L.q()}, gen);
  x.requires_grad_(), w.requires_grad_(), b.requires_grad_();

  std::vector<double> fwd, bwd;
  for (int i = 0; i < warmup + reps; ++i) {
    double t0 = now_ms();
    {
      NoGradGuard ng;
      Tensor y = conv2d(x, w, b, {L.stride, L.stride}, {L.pad, L.pad});
    }
    double t1 = now_ms();
    if (fwd_only && i > 0) {
      if (i >= warmup) fwd.push_back(t1 - t0);
      continue;
    }
    Tensor y = conv2d(x, w, b, {L.stride, L.stride}, {L.pad, L.pad});
    double t2 = now_ms();
    std::vector<Tensor> g = grad({y}, {x, w, b}, {gy});
    double t3 = now_ms();
    if (i == 0) {
      double err = check(L, x, w, b, gy, y, g[0], g[1]);
      if (err > 1e-3) {
        std::fprintf(stderr, "%s: result differs from the direct convolution (%.3g)\n", L.name,
                     err);
        std::exit(1);
      }
    }
    if (i < warmup) continue;
    fwd.push_back(t1 - t0);
    bwd.push_back(t3 - t2);
  }
  double f = median(fwd), ffl = L.flops() / f * 1e-6;
  if (fwd_only) {
    if (json)
      std::printf("{\"layer\": \"%s\", \"fwd_ms\": %.3f, \"fwd_gflops\": %.1f, \"threads\": %d}\n",
                  L.name, f, ffl, cpu::num_threads());
    else
      std::printf("%-10s fwd %8.2f ms %6.1f GFLOP/s\n", L.name, f, ffl);
    std::fflush(stdout);
    return;
  }
  double bk = median(bwd), gm = with_gemm ? gemm_ms(L, reps) : 0.0;
  double bfl = 2 * L.flops() / bk * 1e-6, gfl = with_gemm ? L.flops() / gm * 1e-6 : 0.0;
  if (json) {
    std::printf(
        "{\"layer\": \"%s\", \"fwd_ms\": %.3f, \"bwd_ms\": %.3f, \"fwd_gflops\": %.1f, "
        "\"bwd_gflops\": %.1f, \"gemm_gflops\": %.1f, \"threads\": %d}\n",
        L.name, f, bk, ffl, bfl, gfl, cpu::num_threads());
  } else {
    std::printf(
        "%-10s fwd %8.2f ms %6.1f GFLOP/s | bwd %8.2f ms %6.1f GFLOP/s | GEMM alone %6.1f "
        "GFLOP/s\n",
        L.name, f, ffl, bk, bfl, gfl);
  }
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 10, warmup = 2;
  bool json = false, fwd_only = false, with_gemm = true;
  std::string only;  // --layer NAME runs one layer
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--reps") && i + 1 < argc) {
      reps = std::max(1, std::atoi(argv[++i]));
    } else if (!std::strcmp(argv[i], "--warmup") && i + 1 < argc) {
      warmup = std::max(0, std::atoi(argv[++i]));
    } else if (!std::strcmp(argv[i], "--layer") && i + 1 < argc) {
      only = argv[++i];
    } else if (!std::strcmp(argv[i], "--json")) {
      json = true;
    } else if (!std::strcmp(argv[i], "--fwd-only")) {
      fwd_only = true;
    } else if (!std::strcmp(argv[i], "--no-gemm")) {
      with_gemm = false;  // skip the GEMM-alone ceiling (gemm_gflops reads 0)
    } else {
      std::fprintf(
          stderr,
          "usage: %s [--reps N] [--warmup N] [--layer NAME] [--json] [--fwd-only] [--no-gemm]\n",
          argv[0]);
      return 2;
    }
  }
  const char* env = std::getenv("OMP_NUM_THREADS");
  cpu::set_num_threads(env ? std::max(1, std::atoi(env)) : 2);
  if (!json)
    std::printf("threads %d, median of %d after %d warm-up\n", cpu::num_threads(), reps, warmup);
  const Layer layers[] = {
      // CycleGAN ResNet-9 residual block conv at 256x256 input (64x64 after downsampling).
      {"cyclegan", 1, 256, 64, 64, 256, 3, 3, 1, 1},
      // DCGAN discriminator conv: batch 64, 64 -> 128 channels, 4x4, stride 2, 32x32 -> 16x16.
      {"dcgan", 64, 64, 32, 32, 128, 4, 4, 2, 1},
      // The PatchGAN discriminator's convs on a 256x256 image at batch 1, the training step of
      // `ganlite bench model` (its first conv, 3 -> 64, and last, 512 -> 1, are small).
      {"patch2", 1, 64, 128, 128, 128, 4, 4, 2, 1},
      {"patch3", 1, 128, 64, 64, 256, 4, 4, 2, 1},
      {"patch4", 1, 256, 32, 32, 512, 4, 4, 1, 1},
      // Few output channels: PatchGAN's last conv, and the ResNet generators' 7x7 output conv
      // (16 -> 3, the ngf-16 student's, on the reflection-padded 262x262 map).
      {"patch5", 1, 512, 31, 31, 1, 4, 4, 1, 1},
      {"g_out", 1, 16, 262, 262, 3, 7, 7, 1, 0},
  };
  for (const Layer& l : layers)
    if (only.empty() || only == l.name) run(l, reps, warmup, json, fwd_only, with_gemm);
  return 0;
}
