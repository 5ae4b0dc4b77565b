// Our CUDA convolution versions on the GAN layer set (the shapes of benchmarks/torch_anchors.py,
// whose cuDNN figures are in benchmarks/results/): each version that handles a pass is forced
// through set_conv_version, checked against the `direct` reference on the same inputs (relative
// L2 error), then timed: warm-up, L2 flushed before each rep, median of --reps with CUDA events.
//   bench_conv_cuda [--reps N] [--csv FILE] [--batch B]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "engine/backend.h"
#include "engine/random.h"
#include "kernels/cuda/conv.h"
#include "kernels/cuda/copy.h"
#include "kernels/cuda/device.h"

using namespace ganlite;
using cuda::ConvPass;

namespace {

struct Layer {
  const char* name;
  int64_t c, h, w, k, r, stride, pad, groups;
  bool transposed;  // timed as the dgrad of the equivalent forward conv (how ganlite runs it)
};

// name, C, H, W, K, R, stride, pad, groups, transposed — as in torch_anchors.py
const Layer kLayers[] = {
    {"cyclegan_stem_7x7", 3, 262, 262, 64, 7, 1, 0, 1, false},
    {"cyclegan_down1_3x3s2", 64, 256, 256, 128, 3, 2, 1, 1, false},
    {"cyclegan_down2_3x3s2", 128, 128, 128, 256, 3, 2, 1, 1, false},
    {"cyclegan_res_3x3_256", 256, 66, 66, 256, 3, 1, 0, 1, false},
    {"cyclegan_up1_t3x3s2", 256, 64, 64, 128, 3, 2, 1, 1, true},
    {"cyclegan_up2_t3x3s2", 128, 128, 128, 64, 3, 2, 1, 1, true},
    {"patchgan_l1_4x4s2", 3, 256, 256, 64, 4, 2, 1, 1, false},
    {"patchgan_l2_4x4s2", 64, 128, 128, 128, 4, 2, 1, 1, false},
    {"patchgan_l3_4x4s2", 128, 64, 64, 256, 4, 2, 1, 1, false},
    {"patchgan_l4_4x4s1", 256, 32, 32, 512, 4, 1, 1, 1, false},
    {"dcgan_4x4s2_64to128", 64, 32, 32, 128, 4, 2, 1, 1, false},
    {"student16_res_3x3_64", 64, 66, 66, 64, 3, 1, 0, 1, false},
    {"depthwise_3x3_256", 256, 64, 64, 256, 3, 1, 1, 256, false},
};

// The forward convolution whose passes we time. A transposed layer C->K at HxW is the dgrad of
// the forward conv K->C from the (2H)x(2W) output back to HxW.
cpu::ConvShape shape_of(const Layer& l, int64_t n) {
  cpu::ConvShape cs;
  if (l.transposed) {
    int64_t ho = (l.h - 1) * l.stride - 2 * l.pad + l.r + 1;  // output_padding 1
    cs.n = n, cs.c = l.k, cs.h = ho, cs.w = ho, cs.k = l.c;
    cs.p = l.h, cs.q = l.w;
  } else {
    cs.n = n, cs.c = l.c, cs.h = l.h, cs.w = l.w, cs.k = l.k;
    cs.p = (l.h + 2 * l.pad - l.r) / l.stride + 1;
    cs.q = (l.w + 2 * l.pad - l.r) / l.stride + 1;
  }
  cs.r = cs.s = l.r;
  cs.stride_h = cs.stride_w = l.stride;
  cs.pad_h = cs.pad_w = l.pad;
  cs.groups = l.groups;
  return cs;
}

float* device_buffer(int64_t n, Generator& gen) {
  auto* p = static_cast<float*>(cuda::alloc(n * sizeof(float)));
  cuda::random_fill<float>(p, n, cuda::Draw::normal, gen.seed, gen.offset, 0, 1);
  gen.offset += n;
  return p;
}

double rel_err(const float* a, const float* ref, int64_t n) {
  std::vector<float> x(n), y(n);
  cuda::copy_to_host(x.data(), a, n * sizeof(float));
  cuda::copy_to_host(y.data(), ref, n * sizeof(float));
  double num = 0, den = 0;
  for (int64_t i = 0; i < n; ++i) {
    num += double(x[i] - y[i]) * (x[i] - y[i]);
    den += double(y[i]) * y[i];
  }
  return std::isfinite(num) ? std::sqrt(num / std::max(den, 1e-30)) : INFINITY;
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 20;
  const char* csv = nullptr;
  std::vector<int64_t> batches = {1, 16};
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--reps") && i + 1 < argc)
      reps = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--csv") && i + 1 < argc)
      csv = argv[++i];
    else if (!std::strcmp(argv[i], "--batch") && i + 1 < argc)
      batches = {std::atol(argv[++i])};
    else {
      std::fprintf(stderr, "usage: bench_conv_cuda [--reps N] [--csv FILE] [--batch B]\n");
      return 2;
    }
  }
  std::string why;
  if (!cuda_available(&why)) {
    std::printf("SKIPPED: no CUDA device (%s)\n", why.c_str());
    return 77;
  }
  cuda::DeviceInfo info = cuda::device_info(0);
  FILE* out = csv ? std::fopen(csv, "w") : nullptr;
  if (out) std::fprintf(out, "device,layer,batch,pass,version,ms,tflops,rel_err\n");
  const int64_t flush_n = int64_t(1) << 25;  // 128 MiB: more than the H100's 50 MB of L2
  auto* flush = static_cast<float*>(cuda::alloc(flush_n * sizeof(float)));
  std::printf("%s: median of %d reps, L2 flushed; error relative to `direct`\n", info.name.c_str(),
              reps);
  for (const Layer& l : kLayers) {
    for (int64_t n : batches) {
      cpu::ConvShape cs = shape_of(l, n);
      Generator gen(1);
      int64_t nx = cs.n * cs.c * cs.h * cs.w, ny = cs.n * cs.k * cs.p * cs.q;
      int64_t nw = cs.k * (cs.c / cs.groups) * cs.r * cs.s;
      float *x = device_buffer(nx, gen), *w = device_buffer(nw, gen), *dy = device_buffer(ny, gen);
      float *y = device_buffer(ny, gen), *ref_y = device_buffer(ny, gen);
      float *dx = device_buffer(nx, gen), *ref_dx = device_buffer(nx, gen);
      float *dw = device_buffer(nw, gen), *ref_dw = device_buffer(nw, gen);
      double flops = 2.0 * cs.n * cs.k * cs.p * cs.q * (cs.c / cs.groups) * cs.r * cs.s;
      cuda::set_conv_version("direct");
      cuda::conv_fprop<float>(cs, x, w, nullptr, ref_y);
      cuda::conv_dgrad<float>(cs, dy, w, ref_dx);
      cuda::conv_wgrad<float>(cs, x, dy, ref_dw);
      struct P {
        ConvPass pass;
        const char* name;
        std::function<void()> run;
        float* got;
        float* ref;
        int64_t len;
      };
      // A transposed layer's forward is the dgrad of cs; its dgrad and wgrad are cs's fprop and
      // wgrad (with x and dy swapping roles).
      std::vector<P> passes = {
          {ConvPass::fprop, "fprop", [&] { cuda::conv_fprop<float>(cs, x, w, nullptr, y); }, y,
           ref_y, ny},
          {ConvPass::dgrad, "dgrad", [&] { cuda::conv_dgrad<float>(cs, dy, w, dx); }, dx, ref_dx,
           nx},
          {ConvPass::wgrad, "wgrad", [&] { cuda::conv_wgrad<float>(cs, x, dy, dw); }, dw, ref_dw,
           nw},
      };
      for (const std::string& v : cuda::conv_versions()) {
        cuda::set_conv_version(v);
        for (P& p : passes) {
          if (cuda::conv_version_for<float>(cs, p.pass) != v) continue;  // not handled by v
          const char* as = l.transposed ? (p.pass == ConvPass::dgrad   ? "fprop"
                                           : p.pass == ConvPass::fprop ? "dgrad"
                                                                       : "wgrad")
                                        : p.name;
          p.run();
          double err = rel_err(p.got, p.ref, p.len);
          for (int i = 0; i < 2; ++i) p.run();
          std::vector<float> ms;
          cuda::EventTimer t;
          // The reference kernel is slow on big shapes by design: a few reps say enough.
          const int n_reps = v == "direct" ? std::min(reps, 3) : reps;
          for (int i = 0; i < n_reps; ++i) {
            cuda::fill<float>(flush, flush_n, 1.0);
            t.start();
            p.run();
            ms.push_back(t.stop_ms());
          }
          std::sort(ms.begin(), ms.end());
          double med = ms[ms.size() / 2];
          std::printf("%-22s b=%-3lld %s %-13s %9.4f ms %7.2f TFLOP/s  err %.1e\n", l.name,
                      static_cast<long long>(n), as, v.c_str(), med, flops / med * 1e-9, err);
          if (out)
            std::fprintf(out, "%s,%s,%lld,%s,%s,%.5f,%.3f,%.2e\n", info.name.c_str(), l.name,
                         static_cast<long long>(n), as, v.c_str(), med, flops / med * 1e-9, err);
        }
      }
      cuda::set_conv_version("");
      for (float* p : {x, w, dy, y, ref_y, dx, ref_dx, dw, ref_dw}) cuda::release(p);
    }
  }
  if (out) std::fclose(out);
  return 0;
}
