// The version registry and the public conv_fprop/dgrad/wgrad: each call asks pick() for the
// version to run. The automatic choice follows what bench_kernels (then named bench_conv_cuda)
// measured on an H100 (docs/results/gpu.md, 2026-11-23): grouped convolutions (depthwise and the
// like) run "direct", whose one thread per output beat im2col_gemm's GEMM per group 8x (0.52
// vs 4.25 ms, depthwise 256 channels at 64x64, batch 16); implicit_gemm's fprop beat im2col_gemm
// only where the GEMM's reduction C/g*R*S is short (the 7x7 stem, 147: 2.62 vs 3.05 ms; PatchGAN's
// first layer, 48: 0.26 vs 0.36 ms) and lost up to 4x elsewhere; everything else runs im2col_gemm.
// implicit_gemm's dgrad and wgrad, and the tiled versions simt_tiled and tf32_mma (written
// without a GPU, issue 4), have not been timed yet: they run only when forced. tf32_mma rounds
// its inputs to TF32, so it will join the automatic choice only behind an explicit opt-in.
#include <cstdlib>
#include <string>
#include <type_traits>

#include "engine/error.h"
#include "kernels/cuda/conv/registry.h"

namespace ganlite::cuda {
namespace conv {
namespace {

// Every registered version (the automatic choice is pick()'s rule, not this order).
const std::vector<const Version*>& versions() {
  static const std::vector<const Version*> all = {&tf32_mma(), &simt_tiled(), &implicit_gemm(),
                                                  &im2col_gemm(), &direct()};
  return all;
}

std::string& forced() {
  static std::string name;
  return name;
}

const Version& find(const std::string& name, const char* from) {
  for (const Version* v : versions())
    if (name == v->name) return *v;
  std::string known;
  for (const Version* v : versions()) known += std::string(known.empty() ? "" : ", ") + v->name;
  GANLITE_FAIL("conv (cuda): unknown version \"", name, "\" from ", from, " (known: ", known, ")");
}

template <class T>
const Entries<T>& entries(const Version& v) {
  if constexpr (std::is_same_v<T, float>)
    return v.f32;
  else
    return v.f64;
}

template <class T>
bool has(const Version& v, ConvPass pass) {
  const Entries<T>& e = entries<T>(v);
  return pass == ConvPass::fprop   ? e.fprop != nullptr
         : pass == ConvPass::dgrad ? e.dgrad != nullptr
                                   : e.wgrad != nullptr;
}

template <class T>
bool runs(const Version& v, const ConvShape& cs, ConvPass pass) {
  return has<T>(v, pass) && v.supports(cs);
}

template <class T>
const Version& pick(const ConvShape& cs, ConvPass pass) {
  const char* env = std::getenv("GANLITE_CONV_VERSION");
  const Version* chosen = nullptr;
  if (!forced().empty())
    chosen = &find(forced(), "set_conv_version");
  else if (env && *env)
    chosen = &find(env, "GANLITE_CONV_VERSION");
  if (chosen && runs<T>(*chosen, cs, pass)) return *chosen;
  if (cs.groups > 1) return direct();
  const int64_t reduction = cs.c / cs.groups * cs.r * cs.s;
  if (pass == ConvPass::fprop && reduction <= 160 && runs<T>(implicit_gemm(), cs, pass))
    return implicit_gemm();
  if (runs<T>(im2col_gemm(), cs, pass)) return im2col_gemm();
  return direct();
}

}  // namespace
}  // namespace conv

std::vector<std::string> conv_versions() {
  std::vector<std::string> names;
  for (const conv::Version* v : conv::versions()) names.push_back(v->name);
  return names;
}

void set_conv_version(const std::string& name) {
  if (!name.empty()) conv::find(name, "set_conv_version");
  conv::forced() = name;
}

template <class T>
std::string conv_version_for(const ConvShape& cs, ConvPass pass) {
  return conv::pick<T>(cs, pass).name;
}

template <class T>
void conv_fprop(const ConvShape& cs, const T* x, const T* w, const T* bias, T* y) {
  conv::entries<T>(conv::pick<T>(cs, ConvPass::fprop)).fprop(cs, x, w, bias, y);
}

void conv_fprop_fused(const ConvShape& cs, const float* x, const float* w, const ConvEpilogue& ep,
                      float* y) {
  const conv::Version& v = conv::pick<float>(cs, ConvPass::fprop);
  if (v.fprop_fused) return v.fprop_fused(cs, x, w, ep, y);
  v.f32.fprop(cs, x, w, ep.bias, y);
  conv::scale_activate(cs, ep, y);
}

template <class T>
void conv_dgrad(const ConvShape& cs, const T* dy, const T* w, T* dx) {
  conv::entries<T>(conv::pick<T>(cs, ConvPass::dgrad)).dgrad(cs, dy, w, dx);
}

template <class T>
void conv_wgrad(const ConvShape& cs, const T* x, const T* dy, T* dw) {
  conv::entries<T>(conv::pick<T>(cs, ConvPass::wgrad)).wgrad(cs, x, dy, dw);
}

#define GANLITE_CUDA_CONV(T)                                                       \
  template std::string conv_version_for<T>(const ConvShape&, ConvPass);            \
  template void conv_fprop<T>(const ConvShape&, const T*, const T*, const T*, T*); \
  template void conv_dgrad<T>(const ConvShape&, const T*, const T*, T*);           \
  template void conv_wgrad<T>(const ConvShape&, const T*, const T*, T*);
GANLITE_CUDA_CONV(float)
GANLITE_CUDA_CONV(double)

}  // namespace ganlite::cuda
