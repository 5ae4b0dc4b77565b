// Laplacian-pyramid sliced Wasserstein distance (Karras et al. 2018, appendix D.1), in f64 on the
// CPU. Pyramids are built only for the images that a sampled patch needs, one image at a time.
#include "gan/eval/swd.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "engine/error.h"
#include "kernels/cpu/gemm.h"

namespace ganlite::gan {

namespace {

constexpr double kBinomial[5] = {1 / 16.0, 4 / 16.0, 6 / 16.0, 4 / 16.0, 1 / 16.0};

// Reflect-101 (OpenCV's default border): -1 -> 1, n -> n - 2.
int64_t reflect101(int64_t i, int64_t n) {
  if (n == 1) return 0;
  while (i < 0 || i >= n) i = i < 0 ? -i : 2 * n - 2 - i;
  return i;
}

struct Plane {
  int64_t h = 0, w = 0;
  std::vector<double> v;  // (C, h, w)
};

// out = 5x5 binomial blur of in, scaled by gain, sampled at every step-th pixel.
Plane blur(const Plane& in, int64_t c, int64_t out_h, int64_t out_w, int64_t step, double gain) {
  Plane tmp{in.h, out_w, std::vector<double>(static_cast<size_t>(c * in.h * out_w))};
  for (int64_t ch = 0; ch < c; ++ch)
    for (int64_t i = 0; i < in.h; ++i)
      for (int64_t j = 0; j < out_w; ++j) {
        double s = 0;
        for (int64_t t = 0; t < 5; ++t)
          s += kBinomial[t] * in.v[(ch * in.h + i) * in.w + reflect101(step * j + t - 2, in.w)];
        tmp.v[(ch * in.h + i) * out_w + j] = s;
      }
  Plane out{out_h, out_w, std::vector<double>(static_cast<size_t>(c * out_h * out_w))};
  for (int64_t ch = 0; ch < c; ++ch)
    for (int64_t i = 0; i < out_h; ++i)
      for (int64_t j = 0; j < out_w; ++j) {
        double s = 0;
        for (int64_t t = 0; t < 5; ++t)
          s += kBinomial[t] * tmp.v[(ch * in.h + reflect101(step * i + t - 2, in.h)) * out_w + j];
        out.v[(ch * out_h + i) * out_w + j] = gain * s;
      }
  return out;
}

Plane pyr_down(const Plane& in, int64_t c) {
  return blur(in, c, (in.h + 1) / 2, (in.w + 1) / 2, 2, 1.0);
}

// Zero insertion to (h, w), then the blur; the gain 4 restores the mean the zeros took away.
Plane pyr_up(const Plane& in, int64_t c, int64_t h, int64_t w) {
  Plane z{h, w, std::vector<double>(static_cast<size_t>(c * h * w), 0.0)};
  for (int64_t ch = 0; ch < c; ++ch)
    for (int64_t i = 0; i < in.h && 2 * i < h; ++i)
      for (int64_t j = 0; j < in.w && 2 * j < w; ++j)
        z.v[(ch * h + 2 * i) * w + 2 * j] = in.v[(ch * in.h + i) * in.w + j];
  return blur(z, c, h, w, 1, 4.0);
}

// Laplacian pyramid of one image with `levels` levels, finest first.
std::vector<Plane> laplacian_pyramid(const double* image, int64_t c, int64_t h, int64_t w,
                                     int64_t levels) {
  std::vector<Plane> g(static_cast<size_t>(levels));
  g[0] = Plane{h, w, std::vector<double>(image, image + c * h * w)};
  for (int64_t l = 1; l < levels; ++l) g[l] = pyr_down(g[l - 1], c);
  for (int64_t l = 0; l + 1 < levels; ++l) {
    Plane up = pyr_up(g[l + 1], c, g[l].h, g[l].w);
    for (size_t i = 0; i < g[l].v.size(); ++i) g[l].v[i] -= up.v[i];
  }
  return g;
}

// The patch positions of one level, the same for both sets.
struct Positions {
  std::vector<int64_t> image, y, x;
};

// Descriptors (patches, C * p * p) per level for one set, each normalised per channel.
std::vector<std::vector<double>> descriptors(const Tensor& images,
                                             const std::vector<Positions>& positions,
                                             int64_t patch) {
  const int64_t n = images.size(0), c = images.size(1), h = images.size(2), w = images.size(3);
  const int64_t levels = static_cast<int64_t>(positions.size());
  const int64_t m = static_cast<int64_t>(positions[0].image.size()), dim = c * patch * patch;
  std::vector<double> pixels = images.to_vector<double>();
  // Which (level, slot) pairs each image serves, so each pyramid is built once.
  std::vector<std::vector<std::pair<int64_t, int64_t>>> users(static_cast<size_t>(n));
  for (int64_t l = 0; l < levels; ++l)
    for (int64_t s = 0; s < m; ++s) users[positions[l].image[s]].push_back({l, s});
  std::vector<std::vector<double>> desc(static_cast<size_t>(levels),
                                        std::vector<double>(static_cast<size_t>(m * dim)));
  for (int64_t i = 0; i < n; ++i) {
    if (users[i].empty()) continue;
    std::vector<Plane> pyr = laplacian_pyramid(pixels.data() + i * c * h * w, c, h, w, levels);
    for (auto [l, s] : users[i]) {
      const Plane& p = pyr[l];
      double* out = desc[l].data() + s * dim;
      for (int64_t ch = 0; ch < c; ++ch)
        for (int64_t dy = 0; dy < patch; ++dy)
          for (int64_t dx = 0; dx < patch; ++dx)
            *out++ = p.v[(ch * p.h + positions[l].y[s] + dy) * p.w + positions[l].x[s] + dx];
    }
  }
  const int64_t per = patch * patch;
  for (auto& d : desc)
    for (int64_t ch = 0; ch < c; ++ch) {
      double mean = 0, sq = 0;
      for (int64_t s = 0; s < m; ++s)
        for (int64_t t = 0; t < per; ++t) mean += d[s * dim + ch * per + t];
      mean /= static_cast<double>(m * per);
      for (int64_t s = 0; s < m; ++s)
        for (int64_t t = 0; t < per; ++t) {
          double v = d[s * dim + ch * per + t] - mean;
          sq += v * v;
        }
      double sd = std::sqrt(sq / static_cast<double>(m * per));
      if (sd == 0) sd = 1;  // a constant channel: centring alone makes it all zeros
      for (int64_t s = 0; s < m; ++s)
        for (int64_t t = 0; t < per; ++t)
          d[s * dim + ch * per + t] = (d[s * dim + ch * per + t] - mean) / sd;
    }
  return desc;
}

void check_images(const Tensor& x, const char* name) {
  GANLITE_CHECK(x.defined() && x.dim() == 4 && x.size(0) >= 1, "sliced_wasserstein: ", name,
                " must be a non-empty (N, C, H, W) tensor, got ",
                x.defined() ? x.shape_str() : std::string("undefined"));
  GANLITE_CHECK(x.device() == Device::cpu && is_float(x.dtype()), "sliced_wasserstein: ", name,
                " must be an f32/f64 CPU tensor");
}

}  // namespace

SwdResult sliced_wasserstein(const Tensor& a, const Tensor& b, Generator& gen,
                             const SwdOptions& options) {
  check_images(a, "a");
  check_images(b, "b");
  GANLITE_CHECK(a.size(1) == b.size(1) && a.size(2) == b.size(2) && a.size(3) == b.size(3),
                "sliced_wasserstein: image sets differ in (C, H, W): ", a.shape_str(), " vs ",
                b.shape_str());
  const int64_t patch = options.patch_size, m = options.patches_per_level;
  GANLITE_CHECK(patch >= 1 && m >= 1 && options.projections >= 1,
                "sliced_wasserstein: patch_size, patches_per_level and projections must be >= 1");
  const int64_t c = a.size(1), h = a.size(2), w = a.size(3);
  const int64_t floor_res = std::max(options.min_resolution, patch);
  GANLITE_CHECK(std::min(h, w) >= floor_res, "sliced_wasserstein: images of ", h, "x", w,
                " are smaller than max(min_resolution, patch_size) = ", floor_res);
  std::vector<std::pair<int64_t, int64_t>> dims{{h, w}};
  while (true) {
    auto [lh, lw] = dims.back();
    int64_t nh = (lh + 1) / 2, nw = (lw + 1) / 2;
    if (std::min(nh, nw) < floor_res) break;
    dims.push_back({nh, nw});
  }
  const int64_t levels = static_cast<int64_t>(dims.size());

  // The same positions for both sets: draw them from one copy of gen per set.
  auto draw_positions = [&](Generator& g, int64_t n) {
    std::vector<Positions> pos(static_cast<size_t>(levels));
    for (int64_t l = 0; l < levels; ++l) {
      pos[l].image = randint(0, n, {m}, g).to_vector<int64_t>();
      pos[l].y = randint(0, dims[l].first - patch + 1, {m}, g).to_vector<int64_t>();
      pos[l].x = randint(0, dims[l].second - patch + 1, {m}, g).to_vector<int64_t>();
    }
    return pos;
  };
  Generator ga = gen, gb = gen;
  auto da = descriptors(a, draw_positions(ga, a.size(0)), patch);
  auto db = descriptors(b, draw_positions(gb, b.size(0)), patch);
  gen = ga;

  const int64_t dim = c * patch * patch, p = options.projections;
  SwdResult result;
  std::vector<double> pa(static_cast<size_t>(m * p)), pb(pa.size()), ca(m), cb(m);
  for (int64_t l = 0; l < levels; ++l) {
    std::vector<double> dirs = randn({p, dim}, gen, DType::f64).to_vector<double>();
    for (int64_t k = 0; k < p; ++k) {
      double norm = 0;
      for (int64_t j = 0; j < dim; ++j) norm += dirs[k * dim + j] * dirs[k * dim + j];
      norm = std::sqrt(norm);
      for (int64_t j = 0; j < dim; ++j) dirs[k * dim + j] /= norm;
    }
    // (m, dim) x (p, dim)^T -> (m, p) projections.
    cpu::gemm<double>(false, true, m, p, dim, 1.0, da[l].data(), dim, dirs.data(), dim, 0.0,
                      pa.data(), p);
    cpu::gemm<double>(false, true, m, p, dim, 1.0, db[l].data(), dim, dirs.data(), dim, 0.0,
                      pb.data(), p);
    double total = 0;
    for (int64_t k = 0; k < p; ++k) {
      for (int64_t s = 0; s < m; ++s) {
        ca[s] = pa[s * p + k];
        cb[s] = pb[s * p + k];
      }
      std::sort(ca.begin(), ca.end());
      std::sort(cb.begin(), cb.end());
      double d = 0;
      for (int64_t s = 0; s < m; ++s) d += std::abs(ca[s] - cb[s]);
      total += d / static_cast<double>(m);
    }
    result.levels.push_back(total / static_cast<double>(p));
  }
  result.mean = std::accumulate(result.levels.begin(), result.levels.end(), 0.0) /
                static_cast<double>(levels);
  return result;
}

}  // namespace ganlite::gan
