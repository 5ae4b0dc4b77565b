// Image files: PNG/JPEG decoding through stb_image (compiled with only those two decoders) and PNG
// writing through stb_image_write. Files are treated as hostile: the file size and the dimensions
// are capped before any pixel is decoded, and every error names the path and the reason.
#pragma once
#include <string>

#include "engine/tensor.h"

namespace ganlite {

struct ImageLimits {
  int64_t max_side = 8192;                     // pixels per side
  int64_t max_file_bytes = int64_t(64) << 20;  // 64 MiB
};

struct ImageInfo {
  int64_t width = 0, height = 0, channels = 0;  // channels as stored in the file
};

// Reads only the header (after the file-size cap): cheap enough to validate a whole folder.
ImageInfo read_image_info(const std::string& path, const ImageLimits& limits = {});
// The file's integrity without decoding its pixels: a PNG's chunk CRCs and zlib stream, a JPEG's
// end marker (read_image runs the same checks). An error names the file.
void verify_image_file(const std::string& path, const ImageLimits& limits = {});
// Decodes to f32 (C, H, W) in [-1, 1] with C = 3 (RGB; alpha dropped, gray replicated) or
// C = 1 (luma). 16-bit PNGs keep their precision.
Tensor read_image(const std::string& path, int64_t channels = 3, const ImageLimits& limits = {});

// Writes (C, H, W) or a grid of (N, C, H, W) images (C = 1 or 3, values in [-1, 1], clamped) with
// `nrow` images per row and `padding` black pixels between them, as torchvision's save_image.
// Atomic: a temporary file beside `path`, fsync, rename.
void save_png(const std::string& path, const Tensor& images, int64_t nrow = 8, int64_t padding = 2);

// True for the extensions image folders are scanned for (.png, .jpg, .jpeg in any case).
bool is_image_path(const std::string& path);

}  // namespace ganlite
