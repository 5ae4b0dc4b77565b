// Sample grids people can read: images scaled up (nearest) so that 28-pixel samples can be seen,
// a label left of each row and above each column, in a 5x7 bitmap font drawn into the PNG.
#pragma once
#include <string>
#include <vector>

#include "engine/tensor.h"

namespace ganlite {

// rows[r]: (N_r, C, H, W) images in [-1, 1], every image of every row the same H x W; drawn as
// row r, each scaled by `scale`. row_labels[r] goes left of row r, column_labels[c] above column
// c; either list may be empty (no label column / row). Text is ASCII, shown in capitals; a
// character without a glyph shows as '?'. Rows with fewer channels than others are broadcast to
// RGB. A label longer than its column is cut.
void save_labelled_grid(const std::string& path, const std::vector<Tensor>& rows,
                        const std::vector<std::string>& row_labels,
                        const std::vector<std::string>& column_labels, int64_t scale = 1);

// The scale that shows a side-pixel image at about 128 pixels (at least 1).
int64_t grid_scale(int64_t side);

}  // namespace ganlite
