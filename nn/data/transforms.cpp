// Transforms: plain loops over contiguous (C, H, W) buffers; images are small and the loader runs
// them on its own thread, so clarity wins over vectorisation here.
#include "nn/data/transforms.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace ganlite::data {
namespace {

Tensor checked_chw(const Tensor& x, const char* op) {
  GANLITE_CHECK(x.defined() && x.dim() == 3, op, ": expected an image (C,H,W), got ",
                x.defined() ? x.shape_str() : "an undefined tensor");
  GANLITE_CHECK(x.dtype() == DType::f32 && x.device() == Device::cpu, op,
                ": expected an f32 CPU image, got ", dtype_name(x.dtype()), " on ",
                device_name(x.device()));
  return x.contiguous();
}

// Source coordinate of destination pixel d for align_corners=false, with its two taps.
struct Tap {
  int64_t i0, i1;
  float w1;
};
Tap tap(int64_t d, int64_t in, int64_t out) {
  double s = std::max(0.0, (d + 0.5) * double(in) / double(out) - 0.5);
  auto i0 = std::min<int64_t>(static_cast<int64_t>(s), in - 1);
  return {i0, std::min(i0 + 1, in - 1), static_cast<float>(s - double(i0))};
}

}  // namespace

Tensor resize_bilinear(const Tensor& input, int64_t height, int64_t width) {
  Tensor x = checked_chw(input, "resize_bilinear");
  GANLITE_CHECK(height > 0 && width > 0, "resize_bilinear: bad size ", height, "x", width);
  const int64_t c = x.size(0), h = x.size(1), w = x.size(2);
  if (h == height && w == width) return x.clone();
  Tensor y = empty({c, height, width});
  const float* src = x.data<float>();
  float* dst = y.data<float>();
  std::vector<Tap> cols(width);
  for (int64_t j = 0; j < width; ++j) cols[j] = tap(j, w, width);
  for (int64_t i = 0; i < height; ++i) {
    Tap r = tap(i, h, height);
    for (int64_t ch = 0; ch < c; ++ch) {
      const float* p0 = src + (ch * h + r.i0) * w;
      const float* p1 = src + (ch * h + r.i1) * w;
      float* out = dst + (ch * height + i) * width;
      for (int64_t j = 0; j < width; ++j) {
        const Tap& t = cols[j];
        float top = p0[t.i0] + (p0[t.i1] - p0[t.i0]) * t.w1;
        float bot = p1[t.i0] + (p1[t.i1] - p1[t.i0]) * t.w1;
        out[j] = top + (bot - top) * r.w1;
      }
    }
  }
  return y;
}

Tensor crop(const Tensor& input, int64_t top, int64_t left, int64_t height, int64_t width) {
  Tensor x = checked_chw(input, "crop");
  GANLITE_CHECK(height > 0 && width > 0 && top >= 0 && left >= 0 && top + height <= x.size(1) &&
                    left + width <= x.size(2),
                "crop: ", height, "x", width, " at (", top, ", ", left,
                ") does not fit in the image of ", x.size(1), "x", x.size(2));
  return x.slice(1, top, height).slice(2, left, width).contiguous();
}

Tensor random_crop(const Tensor& x, int64_t height, int64_t width, Generator& gen) {
  GANLITE_CHECK(x.defined() && x.dim() == 3, "random_crop: expected an image (C,H,W)");
  GANLITE_CHECK(height <= x.size(1) && width <= x.size(2), "random_crop: crop ", height, "x", width,
                " is larger than the image ", x.size(1), "x", x.size(2));
  Tensor u = rand({2}, gen, DType::f64);
  const double* v = u.data<double>();
  int64_t top =
      std::min<int64_t>(int64_t(v[0] * double(x.size(1) - height + 1)), x.size(1) - height);
  int64_t left =
      std::min<int64_t>(int64_t(v[1] * double(x.size(2) - width + 1)), x.size(2) - width);
  return crop(x, top, left, height, width);
}

Tensor hflip(const Tensor& input) {
  Tensor x = checked_chw(input, "hflip");
  Tensor y = empty(x.shape());
  const int64_t rows = x.size(0) * x.size(1), w = x.size(2);
  const float* src = x.data<float>();
  float* dst = y.data<float>();
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < w; ++j) dst[r * w + j] = src[r * w + w - 1 - j];
  return y;
}

Tensor pad_to(const Tensor& input, int64_t height, int64_t width, float value) {
  Tensor x = checked_chw(input, "pad_to");
  const int64_t c = x.size(0), h = x.size(1), w = x.size(2);
  GANLITE_CHECK(height >= h && width >= w, "pad_to: target ", height, "x", width,
                " is smaller than the image ", h, "x", w);
  Tensor y = full({c, height, width}, value);
  const int64_t top = (height - h) / 2, left = (width - w) / 2;
  const float* src = x.data<float>();
  float* dst = y.data<float>();
  for (int64_t ch = 0; ch < c; ++ch)
    for (int64_t i = 0; i < h; ++i)
      std::memcpy(dst + (ch * height + top + i) * width + left, src + (ch * h + i) * w,
                  sizeof(float) * w);
  return y;
}

Tensor normalize_to_unit(const Tensor& input, double lo, double hi) {
  GANLITE_CHECK(hi > lo, "normalize_to_unit: empty range [", lo, ", ", hi, "]");
  GANLITE_CHECK(input.defined() && input.device() == Device::cpu,
                "normalize_to_unit: expected a CPU tensor");
  Tensor x = input.to(DType::f32).contiguous();
  Tensor y = empty(x.shape());
  const float* src = x.data<float>();
  float* dst = y.data<float>();
  const double span = hi - lo;  // divide, not multiply by 2/span: the midpoint maps to exactly 0
  for (int64_t i = 0; i < x.numel(); ++i) dst[i] = static_cast<float>((src[i] - lo) / span * 2 - 1);
  return y;
}

Tensor sobel_edges(const Tensor& input, double threshold) {
  Tensor x = checked_chw(input, "sobel_edges");
  const int64_t c = x.size(0), h = x.size(1), w = x.size(2);
  std::vector<float> g(h * w, 0.0f);  // channel mean as [0, 1] intensity
  const float* src = x.data<float>();
  for (int64_t ch = 0; ch < c; ++ch)
    for (int64_t i = 0; i < h * w; ++i) g[i] += (src[ch * h * w + i] + 1.0f) * 0.5f / float(c);
  auto at = [&](int64_t i, int64_t j) {
    return g[std::clamp<int64_t>(i, 0, h - 1) * w + std::clamp<int64_t>(j, 0, w - 1)];
  };
  Tensor y = empty({1, h, w});
  float* dst = y.data<float>();
  for (int64_t i = 0; i < h; ++i)
    for (int64_t j = 0; j < w; ++j) {
      float gx = at(i - 1, j + 1) + 2 * at(i, j + 1) + at(i + 1, j + 1) - at(i - 1, j - 1) -
                 2 * at(i, j - 1) - at(i + 1, j - 1);
      float gy = at(i + 1, j - 1) + 2 * at(i + 1, j) + at(i + 1, j + 1) - at(i - 1, j - 1) -
                 2 * at(i - 1, j) - at(i - 1, j + 1);
      dst[i * w + j] = std::sqrt(gx * gx + gy * gy) > threshold ? 1.0f : -1.0f;
    }
  return y;
}

void check_preprocess(const Preprocess& p) {
  const std::string& m = p.mode;
  GANLITE_CHECK(m == "resize_and_crop" || m == "crop" || m == "resize" || m == "none",
                "preprocess: unknown mode '", m, "' (resize_and_crop, crop, resize, none)");
  if (m != "none") GANLITE_CHECK(p.crop_size > 0, "preprocess: crop_size must be > 0");
  if (m == "resize_and_crop")
    GANLITE_CHECK(p.load_size >= p.crop_size, "preprocess: crop_size ", p.crop_size,
                  " is larger than load_size ", p.load_size,
                  " (resize_and_crop needs crop <= load)");
}

int64_t min_image_side(const Preprocess& p) {
  return p.mode == "crop" ? p.crop_size : 1;
}

Augment draw_augment(const Preprocess& p, int64_t height, int64_t width, Generator& gen) {
  Tensor u = rand({3}, gen, DType::f64);  // fixed count: the generator advances the same always
  const double* v = u.data<double>();
  Augment a;
  a.flip = p.flip && v[2] < 0.5;
  if (p.mode == "resize_and_crop") height = width = p.load_size;
  if (p.mode == "resize_and_crop" || p.mode == "crop") {
    GANLITE_CHECK(p.crop_size <= height && p.crop_size <= width, "preprocess: crop ", p.crop_size,
                  " is larger than the image ", height, "x", width);
    a.top =
        std::min<int64_t>(int64_t(v[0] * double(height - p.crop_size + 1)), height - p.crop_size);
    a.left =
        std::min<int64_t>(int64_t(v[1] * double(width - p.crop_size + 1)), width - p.crop_size);
  }
  return a;
}

Tensor apply_preprocess(const Preprocess& p, const Tensor& x, const Augment& a) {
  Tensor y = x;
  if (p.mode == "resize_and_crop") y = resize_bilinear(y, p.load_size, p.load_size);
  if (p.mode == "resize") y = resize_bilinear(y, p.crop_size, p.crop_size);
  if (p.mode == "resize_and_crop" || p.mode == "crop")
    y = crop(y, a.top, a.left, p.crop_size, p.crop_size);
  if (a.flip) y = hflip(y);
  return y;
}

}  // namespace ganlite::data
