// Our CUDA convolution versions against cuDNN on the GAN layer set (the shapes of
// benchmarks/torch_anchors.py), batch 1 and 16, fprop, dgrad and wgrad.
//   bench_kernels [--reps N] [--batch B] [--layer NAME] [--csv FILE]   time on the GPU
//   bench_kernels --roofline                                           FLOPs, bytes, floors only
// Protocol: inputs drawn at random; every version that handles a pass is forced through
// set_conv_version and its result checked against the `direct` reference (relative L2 error;
// a version over its tolerance is reported INVALID and not timed); cuDNN runs the algorithm its
// exhaustive search (cudnnFind*) ranks fastest, in FP32 (CUDNN_FMA_MATH) and TF32
// (CUDNN_DEFAULT_MATH, which lets FP32 data use TF32 tensor cores: PyTorch's allow_tf32) modes; two
// warm-up runs, then the median of --reps, each timed with CUDA events after the L2 is flushed by
// writing 128 MiB. im2col_gemm is the cuBLAS-im2col row. Per row: median ms, TFLOP/s, % of cuDNN in
// the same precision (FP32 versions against cuDNN FP32, tf32_mma against cuDNN TF32) and % of the
// device's peak in that precision. The CSV (default benchmarks/results/bench_kernels_<date>.csv)
// carries the device name, CUDA and cuDNN versions and the git commit on every row. Exit status: 77
// without a GPU, 1 if a version was INVALID, else 0.
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "engine/backend.h"
#include "engine/random.h"
#include "kernels/cuda/conv.h"
#include "kernels/cuda/copy.h"
#include "kernels/cuda/device.h"
#include "kernels/cuda/stream.cuh"

#ifdef GANLITE_HAVE_CUDNN
#include <cudnn.h>
#endif

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

// The layer's name for a pass of cs: a transposed layer's forward is cs's dgrad, its input
// gradient cs's fprop; wgrad is wgrad either way.
const char* layer_pass(const Layer& l, ConvPass p) {
  if (p == ConvPass::wgrad) return "wgrad";
  if (l.transposed) return p == ConvPass::dgrad ? "fprop" : "dgrad";
  return p == ConvPass::fprop ? "fprop" : "dgrad";
}

struct Peak {
  double fp32_tflops = 0, tf32_tflops = 0, tbytes_s = 0;  // 0: not known for this device
};

// Dense peaks from NVIDIA's datasheets (docs/kernels.md lists them).
Peak peak_of(const std::string& name) {
  if (name.find("H200") != std::string::npos) return {66.9, 494.7, 4.8};
  if (name.find("H100") != std::string::npos)
    return name.find("PCIe") != std::string::npos ? Peak{51.0, 378.0, 2.0}
                                                  : Peak{66.9, 494.7, 3.35};
  return {};
}

double flops_of(const cpu::ConvShape& cs) {
  return 2.0 * cs.n * cs.k * cs.p * cs.q * (cs.c / cs.groups) * cs.r * cs.s;
}

// The bytes a pass must move at least: each pass reads two of x, w, y (or their gradients) and
// writes the third, once each, in FP32.
double bytes_of(const cpu::ConvShape& cs) {
  const double x = double(cs.n) * cs.c * cs.h * cs.w, y = double(cs.n) * cs.k * cs.p * cs.q;
  const double w = double(cs.k) * (cs.c / cs.groups) * cs.r * cs.s;
  return 4.0 * (x + y + w);
}

// One row per layer and batch: fprop, dgrad and wgrad do the same FLOPs on the same three
// tensors.
int roofline() {
  const Peak pk = peak_of("H100 SXM");
  std::printf(
      "Roofline on an H100 SXM (FP32 %.1f TFLOP/s, TF32 %.1f, HBM %.2f TB/s); bytes: x, w\n"
      "and y once each in FP32; floor = max(FLOPs / peak, bytes / bandwidth), the same for\n"
      "each of the three passes.\n",
      pk.fp32_tflops, pk.tf32_tflops, pk.tbytes_s);
  std::printf("| layer | batch | GFLOP | MB | FLOP/B | FP32 floor us | TF32 floor us |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  for (const Layer& l : kLayers)
    for (int64_t n : {1, 16}) {
      const cpu::ConvShape cs = shape_of(l, n);
      const double f = flops_of(cs), b = bytes_of(cs);
      const double mem_us = b / (pk.tbytes_s * 1e12) * 1e6;
      std::printf("| %s | %lld | %.3f | %.2f | %.1f | %.1f | %.1f |\n", l.name,
                  static_cast<long long>(n), f * 1e-9, b * 1e-6, f / b,
                  std::max(f / (pk.fp32_tflops * 1e12) * 1e6, mem_us),
                  std::max(f / (pk.tf32_tflops * 1e12) * 1e6, mem_us));
    }
  return 0;
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

std::string git_commit() {
  std::string out = "unknown";
  if (FILE* f = popen("git rev-parse --short HEAD 2>/dev/null", "r")) {
    char buf[64] = {};
    if (std::fgets(buf, sizeof buf, f)) out = std::string(buf, std::strcspn(buf, "\n"));
    pclose(f);
  }
  return out;
}

#ifdef GANLITE_HAVE_CUDNN
#define CUDNN_CHECK(call)                                                                     \
  do {                                                                                        \
    cudnnStatus_t st_ = (call);                                                               \
    GANLITE_CHECK(st_ == CUDNN_STATUS_SUCCESS, "cuDNN: ", #call,                              \
                  " failed: ", cudnnGetErrorString(st_), " (", __FILE__, ":", __LINE__, ")"); \
  } while (0)

// cuDNN's fastest algorithm for one pass of cs in one math mode, ready to run.
class CudnnConv {
 public:
  CudnnConv(cudnnHandle_t h, const cpu::ConvShape& cs, ConvPass pass, cudnnMathType_t math)
      : h_(h), pass_(pass) {
    CUDNN_CHECK(cudnnCreateTensorDescriptor(&xd_));
    CUDNN_CHECK(cudnnCreateTensorDescriptor(&yd_));
    CUDNN_CHECK(cudnnCreateFilterDescriptor(&wd_));
    CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&cd_));
    CUDNN_CHECK(cudnnSetTensor4dDescriptor(xd_, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, int(cs.n),
                                           int(cs.c), int(cs.h), int(cs.w)));
    CUDNN_CHECK(cudnnSetTensor4dDescriptor(yd_, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, int(cs.n),
                                           int(cs.k), int(cs.p), int(cs.q)));
    CUDNN_CHECK(cudnnSetFilter4dDescriptor(wd_, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, int(cs.k),
                                           int(cs.c / cs.groups), int(cs.r), int(cs.s)));
    CUDNN_CHECK(cudnnSetConvolution2dDescriptor(cd_, int(cs.pad_h), int(cs.pad_w), int(cs.stride_h),
                                                int(cs.stride_w), int(cs.dil_h), int(cs.dil_w),
                                                CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
    CUDNN_CHECK(cudnnSetConvolutionGroupCount(cd_, int(cs.groups)));
    CUDNN_CHECK(cudnnSetConvolutionMathType(cd_, math));
    int got = 0;
    if (pass == ConvPass::fprop) {
      cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
      CUDNN_CHECK(cudnnFindConvolutionForwardAlgorithm(
          h, xd_, wd_, cd_, yd_, CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &got, perf));
      pick(perf, got, &fwd_);
    } else if (pass == ConvPass::dgrad) {
      cudnnConvolutionBwdDataAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
      CUDNN_CHECK(cudnnFindConvolutionBackwardDataAlgorithm(
          h, wd_, yd_, cd_, xd_, CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &got, perf));
      pick(perf, got, &bwd_data_);
    } else {
      cudnnConvolutionBwdFilterAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
      CUDNN_CHECK(cudnnFindConvolutionBackwardFilterAlgorithm(
          h, xd_, yd_, cd_, wd_, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &got, perf));
      pick(perf, got, &bwd_filter_);
    }
    if (ws_bytes_) ws_ = cuda::alloc(ws_bytes_);
  }
  ~CudnnConv() {
    if (ws_) cuda::release(ws_);
    cudnnDestroyConvolutionDescriptor(cd_);
    cudnnDestroyFilterDescriptor(wd_);
    cudnnDestroyTensorDescriptor(yd_);
    cudnnDestroyTensorDescriptor(xd_);
  }
  CudnnConv(const CudnnConv&) = delete;
  CudnnConv& operator=(const CudnnConv&) = delete;

  // fprop: (x, w) -> y; dgrad: (dy, w) -> dx; wgrad: (x, dy) -> dw, as ganlite's passes.
  void run(const float* a, const float* b, float* out) const {
    const float one = 1.f, zero = 0.f;
    if (pass_ == ConvPass::fprop)
      CUDNN_CHECK(cudnnConvolutionForward(h_, &one, xd_, a, wd_, b, cd_, fwd_, ws_, ws_bytes_,
                                          &zero, yd_, out));
    else if (pass_ == ConvPass::dgrad)
      CUDNN_CHECK(cudnnConvolutionBackwardData(h_, &one, wd_, b, yd_, a, cd_, bwd_data_, ws_,
                                               ws_bytes_, &zero, xd_, out));
    else
      CUDNN_CHECK(cudnnConvolutionBackwardFilter(h_, &one, xd_, a, yd_, b, cd_, bwd_filter_, ws_,
                                                 ws_bytes_, &zero, wd_, out));
  }

 private:
  template <class Perf, class Algo>
  void pick(const Perf* perf, int got, Algo* algo) {
    for (int i = 0; i < got; ++i)  // sorted fastest first
      if (perf[i].status == CUDNN_STATUS_SUCCESS) {
        *algo = perf[i].algo;
        ws_bytes_ = perf[i].memory;
        return;
      }
    GANLITE_FAIL("cuDNN found no algorithm for this pass");
  }

  cudnnHandle_t h_;
  ConvPass pass_;
  cudnnTensorDescriptor_t xd_{}, yd_{};
  cudnnFilterDescriptor_t wd_{};
  cudnnConvolutionDescriptor_t cd_{};
  cudnnConvolutionFwdAlgo_t fwd_{};
  cudnnConvolutionBwdDataAlgo_t bwd_data_{};
  cudnnConvolutionBwdFilterAlgo_t bwd_filter_{};
  void* ws_ = nullptr;
  size_t ws_bytes_ = 0;
};
#endif

// Median of reps timed runs after two warm-ups, the L2 flushed before each.
double median_ms(const std::function<void()>& run, int reps, float* flush, int64_t flush_n) {
  for (int i = 0; i < 2; ++i) run();
  std::vector<float> ms;
  cuda::EventTimer t;
  for (int i = 0; i < reps; ++i) {
    cuda::fill<float>(flush, flush_n, 1.0);
    t.start();
    run();
    ms.push_back(t.stop_ms());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

std::string today() {
  char buf[16];
  const std::time_t now = std::time(nullptr);
  std::strftime(buf, sizeof buf, "%Y-%m-%d", std::gmtime(&now));
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 20;
  std::string csv, only;
  std::vector<int64_t> batches = {1, 16};
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--roofline")) return roofline();
    if (!std::strcmp(argv[i], "--reps") && i + 1 < argc)
      reps = std::max(1, std::atoi(argv[++i]));
    else if (!std::strcmp(argv[i], "--csv") && i + 1 < argc)
      csv = argv[++i];
    else if (!std::strcmp(argv[i], "--batch") && i + 1 < argc)
      batches = {std::atol(argv[++i])};
    else if (!std::strcmp(argv[i], "--layer") && i + 1 < argc)
      only = argv[++i];
    else {
      std::fprintf(stderr,
                   "usage: bench_kernels [--reps N] [--batch B] [--layer NAME] [--csv FILE]\n"
                   "       bench_kernels --roofline\n");
      return 2;
    }
  }
  std::string why;
  if (!cuda_available(&why)) {
    std::printf("SKIPPED: no CUDA device (%s)\n", why.c_str());
    return 77;
  }
  const cuda::DeviceInfo info = cuda::device_info(0);
  const Peak pk = peak_of(info.name);
  int cuda_rt = 0;
  cudaRuntimeGetVersion(&cuda_rt);
  std::string cudnn_ver = "none";
#ifdef GANLITE_HAVE_CUDNN
  cudnn_ver = std::to_string(cudnnGetVersion());
  cudnnHandle_t handle;
  CUDNN_CHECK(cudnnCreate(&handle));
  CUDNN_CHECK(cudnnSetStream(handle, cuda::stream()));
#endif
  const std::string commit = git_commit();
  if (csv.empty()) csv = "benchmarks/results/bench_kernels_" + today() + ".csv";
  FILE* out = std::fopen(csv.c_str(), "w");
  if (!out) std::fprintf(stderr, "bench_kernels: cannot write %s; table only\n", csv.c_str());
  if (out)
    std::fprintf(out,
                 "device,cuda,cudnn,commit,layer,batch,pass,version,precision,ms,tflops,"
                 "pct_cudnn,pct_peak,rel_err\n");
  const int64_t flush_n = int64_t(1) << 25;  // 128 MiB: more than the H100's 50 MB of L2
  auto* flush = static_cast<float*>(cuda::alloc(flush_n * sizeof(float)));
  std::printf(
      "%s, CUDA runtime %d, cuDNN %s, commit %s: median of %d reps, L2 flushed; error "
      "relative to `direct`\n",
      info.name.c_str(), cuda_rt, cudnn_ver.c_str(), commit.c_str(), reps);
  std::printf("%-22s %5s %5s %-13s %4s %9s %8s %7s %6s %8s\n", "layer", "batch", "pass", "version",
              "prec", "ms", "TFLOP/s", "%cuDNN", "%peak", "rel_err");
  int invalid = 0;
  for (const Layer& l : kLayers) {
    if (!only.empty() && only != l.name) continue;
    for (int64_t n : batches) {
      const cpu::ConvShape cs = shape_of(l, n);
      Generator gen(1);
      const int64_t nx = cs.n * cs.c * cs.h * cs.w, ny = cs.n * cs.k * cs.p * cs.q;
      const int64_t nw = cs.k * (cs.c / cs.groups) * cs.r * cs.s;
      float *x = device_buffer(nx, gen), *w = device_buffer(nw, gen), *dy = device_buffer(ny, gen);
      float *y = device_buffer(ny, gen), *ref_y = device_buffer(ny, gen);
      float *dx = device_buffer(nx, gen), *ref_dx = device_buffer(nx, gen);
      float *dw = device_buffer(nw, gen), *ref_dw = device_buffer(nw, gen);
      const double flops = flops_of(cs);
      cuda::set_conv_version("direct");
      cuda::conv_fprop<float>(cs, x, w, nullptr, ref_y);
      cuda::conv_dgrad<float>(cs, dy, w, ref_dx);
      cuda::conv_wgrad<float>(cs, x, dy, ref_dw);
      struct P {
        ConvPass pass;
        const float *a, *b;
        float *got, *ref;
        int64_t len;
      };
      const P passes[] = {{ConvPass::fprop, x, w, y, ref_y, ny},
                          {ConvPass::dgrad, dy, w, dx, ref_dx, nx},
                          {ConvPass::wgrad, x, dy, dw, ref_dw, nw}};
      for (const P& p : passes) {
        const auto ours = [&] {
          if (p.pass == ConvPass::fprop) cuda::conv_fprop<float>(cs, p.a, p.b, nullptr, p.got);
          if (p.pass == ConvPass::dgrad) cuda::conv_dgrad<float>(cs, p.a, p.b, p.got);
          if (p.pass == ConvPass::wgrad) cuda::conv_wgrad<float>(cs, p.a, p.b, p.got);
        };
        struct Row {
          std::string version;
          bool tf32;
          double ms, err;
        };
        std::vector<Row> rows;
        std::map<bool, double> cudnn_ms;  // by tf32
#ifdef GANLITE_HAVE_CUDNN
        for (bool tf32 : {false, true}) {
          const CudnnConv conv(handle, cs, p.pass, tf32 ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH);
          const auto run = [&] { conv.run(p.a, p.b, p.got); };
          run();
          const double err = rel_err(p.got, p.ref, p.len);
          const double ms = median_ms(run, reps, flush, flush_n);
          cudnn_ms[tf32] = ms;
          rows.push_back({tf32 ? "cudnn_tf32" : "cudnn_fp32", tf32, ms, err});
        }
#endif
        for (const std::string& v : cuda::conv_versions()) {
          cuda::set_conv_version(v);
          if (cuda::conv_version_for<float>(cs, p.pass) != v) continue;  // not handled by v
          const bool tf32 = v == "tf32_mma";
          ours();
          const double err = rel_err(p.got, p.ref, p.len);
          if (!(err < (tf32 ? 1e-2 : 1e-4))) {
            std::printf("%-22s %5lld %5s %-13s INVALID: relative error %.2e\n", l.name,
                        static_cast<long long>(n), layer_pass(l, p.pass), v.c_str(), err);
            ++invalid;
            continue;
          }
          // The reference kernel is slow on big shapes by design: a few reps say enough.
          const double ms =
              median_ms(ours, v == "direct" ? std::min(reps, 3) : reps, flush, flush_n);
          rows.push_back({v, tf32, ms, err});
        }
        cuda::set_conv_version("");
        for (const Row& r : rows) {
          const double tflops = flops / r.ms * 1e-9;
          const double peak = r.tf32 ? pk.tf32_tflops : pk.fp32_tflops;
          const double vs = cudnn_ms.count(r.tf32) ? 100.0 * cudnn_ms[r.tf32] / r.ms : NAN;
          const double of_peak = peak > 0 ? 100.0 * tflops / peak : NAN;
          std::printf("%-22s %5lld %5s %-13s %4s %9.4f %8.2f %7.1f %6.1f %8.1e\n", l.name,
                      static_cast<long long>(n), layer_pass(l, p.pass), r.version.c_str(),
                      r.tf32 ? "tf32" : "fp32", r.ms, tflops, vs, of_peak, r.err);
          if (out)
            std::fprintf(out, "%s,%d,%s,%s,%s,%lld,%s,%s,%s,%.5f,%.3f,%.1f,%.1f,%.2e\n",
                         info.name.c_str(), cuda_rt, cudnn_ver.c_str(), commit.c_str(), l.name,
                         static_cast<long long>(n), layer_pass(l, p.pass), r.version.c_str(),
                         r.tf32 ? "tf32" : "fp32", r.ms, tflops, vs, of_peak, r.err);
        }
      }
      for (float* ptr : {x, w, dy, y, ref_y, dx, ref_dx, dw, ref_dw}) cuda::release(ptr);
    }
  }
#ifdef GANLITE_HAVE_CUDNN
  cudnnDestroy(handle);
#endif
  cuda::release(flush);
  if (out) {
    std::fclose(out);
    std::printf("wrote %s\n", csv.c_str());
  }
  return invalid ? 1 : 0;
}
