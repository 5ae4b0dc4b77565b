#include "engine/grid.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>

#include "engine/error.h"
#include "engine/image.h"
#include "engine/ops.h"

namespace ganlite {
namespace {

// 5x7 glyphs, one byte per row, bit 4 the leftmost pixel.
const std::map<char, std::array<uint8_t, 7>>& glyphs() {
  static const std::map<char, std::array<uint8_t, 7>> g = {
      {' ', {0, 0, 0, 0, 0, 0, 0}},
      {'A', {0b01110, 0b10001, 0b10001, 0b11111, 0b10001, 0b10001, 0b10001}},
      {'B', {0b11110, 0b10001, 0b10001, 0b11110, 0b10001, 0b10001, 0b11110}},
      {'C', {0b01110, 0b10001, 0b10000, 0b10000, 0b10000, 0b10001, 0b01110}},
      {'D', {0b11110, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b11110}},
      {'E', {0b11111, 0b10000, 0b10000, 0b11110, 0b10000, 0b10000, 0b11111}},
      {'F', {0b11111, 0b10000, 0b10000, 0b11110, 0b10000, 0b10000, 0b10000}},
      {'G', {0b01110, 0b10001, 0b10000, 0b10111, 0b10001, 0b10001, 0b01111}},
      {'H', {0b10001, 0b10001, 0b10001, 0b11111, 0b10001, 0b10001, 0b10001}},
      {'I', {0b01110, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110}},
      {'J', {0b00111, 0b00010, 0b00010, 0b00010, 0b00010, 0b10010, 0b01100}},
      {'K', {0b10001, 0b10010, 0b10100, 0b11000, 0b10100, 0b10010, 0b10001}},
      {'L', {0b10000, 0b10000, 0b10000, 0b10000, 0b10000, 0b10000, 0b11111}},
      {'M', {0b10001, 0b11011, 0b10101, 0b10101, 0b10001, 0b10001, 0b10001}},
      {'N', {0b10001, 0b10001, 0b11001, 0b10101, 0b10011, 0b10001, 0b10001}},
      {'O', {0b01110, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01110}},
      {'P', {0b11110, 0b10001, 0b10001, 0b11110, 0b10000, 0b10000, 0b10000}},
      {'Q', {0b01110, 0b10001, 0b10001, 0b10001, 0b10101, 0b10010, 0b01101}},
      {'R', {0b11110, 0b10001, 0b10001, 0b11110, 0b10100, 0b10010, 0b10001}},
      {'S', {0b01111, 0b10000, 0b10000, 0b01110, 0b00001, 0b00001, 0b11110}},
      {'T', {0b11111, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100}},
      {'U', {0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01110}},
      {'V', {0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01010, 0b00100}},
      {'W', {0b10001, 0b10001, 0b10001, 0b10101, 0b10101, 0b10101, 0b01010}},
      {'X', {0b10001, 0b10001, 0b01010, 0b00100, 0b01010, 0b10001, 0b10001}},
      {'Y', {0b10001, 0b10001, 0b01010, 0b00100, 0b00100, 0b00100, 0b00100}},
      {'Z', {0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b10000, 0b11111}},
      {'0', {0b01110, 0b10001, 0b10011, 0b10101, 0b11001, 0b10001, 0b01110}},
      {'1', {0b00100, 0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110}},
      {'2', {0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b01000, 0b11111}},
      {'3', {0b11111, 0b00010, 0b00100, 0b00010, 0b00001, 0b10001, 0b01110}},
      {'4', {0b00010, 0b00110, 0b01010, 0b10010, 0b11111, 0b00010, 0b00010}},
      {'5', {0b11111, 0b10000, 0b11110, 0b00001, 0b00001, 0b10001, 0b01110}},
      {'6', {0b00110, 0b01000, 0b10000, 0b11110, 0b10001, 0b10001, 0b01110}},
      {'7', {0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b01000, 0b01000}},
      {'8', {0b01110, 0b10001, 0b10001, 0b01110, 0b10001, 0b10001, 0b01110}},
      {'9', {0b01110, 0b10001, 0b10001, 0b01111, 0b00001, 0b00010, 0b01100}},
      {'.', {0, 0, 0, 0, 0, 0b01100, 0b01100}},
      {'-', {0, 0, 0, 0b11111, 0, 0, 0}},
      {'_', {0, 0, 0, 0, 0, 0, 0b11111}},
      {'(', {0b00010, 0b00100, 0b01000, 0b01000, 0b01000, 0b00100, 0b00010}},
      {')', {0b01000, 0b00100, 0b00010, 0b00010, 0b00010, 0b00100, 0b01000}},
      {'/', {0, 0b00001, 0b00010, 0b00100, 0b01000, 0b10000, 0}},
      {'=', {0, 0, 0b11111, 0, 0b11111, 0, 0}},
      {':', {0, 0b01100, 0b01100, 0, 0b01100, 0b01100, 0}},
      {',', {0, 0, 0, 0, 0b01100, 0b00100, 0b01000}},
      {'\'', {0b01100, 0b00100, 0b01000, 0, 0, 0, 0}},
      {'+', {0, 0b00100, 0b00100, 0b11111, 0b00100, 0b00100, 0}},
      {'%', {0b11000, 0b11001, 0b00010, 0b00100, 0b01000, 0b10011, 0b00011}},
      {'>', {0b01000, 0b00100, 0b00010, 0b00001, 0b00010, 0b00100, 0b01000}},
      {'<', {0b00010, 0b00100, 0b01000, 0b10000, 0b01000, 0b00100, 0b00010}},
      {'?', {0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0, 0b00100}},
  };
  return g;
}

constexpr int64_t kGlyphW = 5, kGlyphH = 7, kGap = 1;  // pixels, before the text scale

// Draws `text` into canvas (C, H, W) at (x, y), white, each font pixel t x t, at most max_w wide.
void draw_text(Tensor& canvas, const std::string& text, int64_t x, int64_t y, int64_t t,
               int64_t max_w) {
  const int64_t c = canvas.size(0), h = canvas.size(1), w = canvas.size(2);
  float* p = canvas.data<float>();
  for (size_t i = 0; i < text.size(); ++i) {
    const int64_t x0 = x + static_cast<int64_t>(i) * (kGlyphW + kGap) * t;
    if (x0 + kGlyphW * t > x + max_w) break;
    auto it = glyphs().find(static_cast<char>(std::toupper(static_cast<unsigned char>(text[i]))));
    const auto& g = it == glyphs().end() ? glyphs().at('?') : it->second;
    for (int64_t gy = 0; gy < kGlyphH; ++gy)
      for (int64_t gx = 0; gx < kGlyphW; ++gx) {
        if (!(g[gy] >> (kGlyphW - 1 - gx) & 1)) continue;
        for (int64_t dy = 0; dy < t; ++dy)
          for (int64_t dx = 0; dx < t; ++dx) {
            const int64_t yy = y + gy * t + dy, xx = x0 + gx * t + dx;
            if (yy < h && xx < w)
              for (int64_t ch = 0; ch < c; ++ch) p[(ch * h + yy) * w + xx] = 1.0f;
          }
      }
  }
}

}  // namespace

int64_t grid_scale(int64_t side) {
  return std::max<int64_t>(1, 128 / std::max<int64_t>(1, side));
}

void save_labelled_grid(const std::string& path, const std::vector<Tensor>& rows,
                        const std::vector<std::string>& row_labels,
                        const std::vector<std::string>& column_labels, int64_t scale) {
  GANLITE_CHECK(!rows.empty() && scale >= 1, "save_labelled_grid: no rows, or scale < 1");
  GANLITE_CHECK(row_labels.empty() || row_labels.size() == rows.size(),
                "save_labelled_grid: ", row_labels.size(), " row labels for ", rows.size(),
                " rows");
  int64_t channels = 1, cols = 0;
  for (const Tensor& r : rows) {
    GANLITE_CHECK(r.dim() == 4 && r.size(2) == rows[0].size(2) && r.size(3) == rows[0].size(3),
                  "save_labelled_grid: rows must be (N, C, H, W) of one H x W, got ", r.shape_str(),
                  " beside ", rows[0].shape_str());
    channels = std::max(channels, r.size(1));
    cols = std::max(cols, r.size(0));
  }
  const int64_t ih = rows[0].size(2) * scale, iw = rows[0].size(3) * scale, pad = 2;
  const int64_t t = ih >= 48 ? 2 : 1;  // text scale
  const int64_t char_w = (kGlyphW + kGap) * t, text_h = kGlyphH * t;
  size_t longest = 0;
  for (const auto& l : row_labels) longest = std::max(longest, l.size());
  const int64_t label_w = row_labels.empty() ? 0 : static_cast<int64_t>(longest) * char_w + 2 * pad;
  const int64_t head_h = column_labels.empty() ? 0 : text_h + 2 * pad;
  const int64_t H = head_h + static_cast<int64_t>(rows.size()) * (ih + pad) + pad,
                W = label_w + cols * (iw + pad) + pad;
  Tensor canvas = full({channels, H, W}, -1.0);
  float* out = canvas.data<float>();
  for (size_t r = 0; r < rows.size(); ++r) {
    const Tensor img = rows[r].detach().cpu().to(DType::f32).contiguous();
    const int64_t n = img.size(0), c = img.size(1), h = img.size(2), w = img.size(3);
    const float* src = img.data<float>();
    const int64_t y0 = head_h + static_cast<int64_t>(r) * (ih + pad) + pad;
    for (int64_t k = 0; k < n; ++k) {
      const int64_t x0 = label_w + k * (iw + pad) + pad;
      for (int64_t ch = 0; ch < channels; ++ch)
        for (int64_t yy = 0; yy < ih; ++yy)
          for (int64_t xx = 0; xx < iw; ++xx)
            out[(ch * H + y0 + yy) * W + x0 + xx] =
                src[((k * c + std::min(ch, c - 1)) * h + yy / scale) * w + xx / scale];
    }
    if (!row_labels.empty())
      draw_text(canvas, row_labels[r], pad, y0 + (ih - text_h) / 2, t, label_w - pad);
  }
  for (size_t k = 0; k < column_labels.size() && static_cast<int64_t>(k) < cols; ++k)
    draw_text(canvas, column_labels[k], label_w + static_cast<int64_t>(k) * (iw + pad) + pad, pad,
              t, iw);
  save_png(path, canvas, 1, 0);
}

}  // namespace ganlite
