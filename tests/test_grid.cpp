// Labelled sample grids (engine/grid.h): the images land scaled where the layout puts them, and
// the labels are drawn (white pixels in the label column and header, none elsewhere).
#include <catch2/catch.hpp>
#include <cstdio>

#include "engine/grid.h"
#include "engine/image.h"
#include "engine/ops.h"

using namespace ganlite;

TEST_CASE("grid: images scaled in place, labels drawn beside and above", "[grid]") {
  const std::string path = std::string(P_tmpdir) + "/ganlite_grid_test.png";
  // Two rows: three images, then one; each 4x4 gray, a distinct flat value.
  Tensor r0 =
      concat({full({1, 1, 4, 4}, -0.6), full({1, 1, 4, 4}, -0.2), full({1, 1, 4, 4}, 0.2)}, 0);
  Tensor r1 = full({1, 1, 4, 4}, 0.6);
  save_labelled_grid(path, {r0, r1}, {"AB", "C"}, {"X", "Y", "Z"}, 2);
  const Tensor g = read_image(path, 1);
  // Layout: text scale 1 (images 8 px high): label column 2 chars * 6 + 2 * 2 = 16 px; header
  // 7 + 4 = 11 px; each image 8 px plus a 2-px gap.
  const int64_t label_w = 16, head_h = 11, pad = 2, cell = 8 + pad;
  CHECK(g.shape() == Shape{1, head_h + 2 * cell + pad, label_w + 3 * cell + pad});
  const int64_t W = g.size(2);
  const float* p = g.data<float>();
  auto at = [&](int64_t y, int64_t x) { return p[y * W + x]; };
  const float values[] = {-0.6f, -0.2f, 0.2f};
  for (int k = 0; k < 3; ++k)
    for (int64_t y = 0; y < 8; ++y)
      for (int64_t x = 0; x < 8; ++x)
        CHECK(std::abs(at(head_h + pad + y, label_w + k * cell + pad + x) - values[k]) < 0.01f);
  CHECK(std::abs(at(head_h + cell + pad, label_w + pad) - 0.6f) < 0.01f);
  // The second row's missing images are background.
  CHECK(at(head_h + cell + pad + 3, label_w + cell + pad + 3) == -1.0f);
  // Text: white pixels in the label column and in the header, and only there besides images.
  int label_white = 0, header_white = 0;
  for (int64_t y = 0; y < g.size(1); ++y)
    for (int64_t x = 0; x < label_w; ++x) label_white += at(y, x) == 1.0f;
  for (int64_t y = 0; y < head_h; ++y)
    for (int64_t x = label_w; x < W; ++x) header_white += at(y, x) == 1.0f;
  CHECK(label_white > 20);
  CHECK(header_white > 20);
  CHECK(grid_scale(28) == 4);
  CHECK(grid_scale(256) == 1);
  std::remove(path.c_str());
}
