// PNG/JPEG I/O. stb_image is compiled here, static and with only the PNG and JPEG decoders: the
// Debian header (v2.27) carries unfixed bugs in its GIF/HDR/PNM/BMP paths (docs: ecosystem.md B7),
// so those formats never reach a decoder. STBI_MAX_DIMENSIONS is a second line behind our caps.
#include "engine/image.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <vector>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_NO_LINEAR
#define STBI_MAX_DIMENSIONS 16384
#include <stb/stb_image.h>
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

#include <zlib.h>

#include "engine/files.h"

namespace ganlite {
namespace fs = std::filesystem;
namespace {

// The size cap comes first so that a huge file is never read into memory.
int64_t checked_file_size(const std::string& path, const ImageLimits& limits) {
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  GANLITE_CHECK(!ec && fs::exists(st), "image ", path, ": no such file");
  GANLITE_CHECK(fs::is_regular_file(st), "image ", path, ": not a regular file");
  auto size = static_cast<int64_t>(fs::file_size(path, ec));
  GANLITE_CHECK(!ec, "image ", path, ": cannot read its size: ", ec.message());
  GANLITE_CHECK(size > 0, "image ", path, ": empty file");
  GANLITE_CHECK(size <= limits.max_file_bytes, "image ", path, ": ", size,
                " bytes exceeds the file-size cap of ", limits.max_file_bytes, " bytes");
  return size;
}

// stb's reasons are terse; "unknown image type" is the one users meet (a GIF or BMP renamed .png).
std::string failure_reason() {
  std::string r = stbi_failure_reason() ? stbi_failure_reason() : "unknown error";
  if (r == "unknown image type") r += " (only PNG and JPEG are decoded; convert the file)";
  return "corrupt or unsupported image: " + r;
}

uint32_t be32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}

// stb_image checks neither PNG chunk CRCs nor the zlib stream's Adler-32, so a damaged file would
// decode into garbage. Every chunk's CRC-32 (over type and data) is checked, then the IDAT
// stream is inflated to its end, which checks the Adler-32.
void verify_png(const std::string& path, const std::vector<uint8_t>& b) {
  size_t at = 8;  // after the signature
  std::vector<uint8_t> idat;
  bool ended = false;
  while (!ended) {
    GANLITE_CHECK(at + 12 <= b.size(), "image ", path,
                  ": corrupt PNG, truncated: the chunk at byte ", at, " runs past the end of the ",
                  b.size(), "-byte file");
    const uint32_t len = be32(&b[at]);
    GANLITE_CHECK(len <= b.size() - at - 12, "image ", path,
                  ": corrupt PNG, truncated: the chunk at byte ", at, " claims ", len, " bytes");
    const uint8_t* type = &b[at + 4];
    const std::string name(reinterpret_cast<const char*>(type), 4);
    const uint32_t crc = static_cast<uint32_t>(crc32(crc32(0L, Z_NULL, 0), type, len + 4));
    GANLITE_CHECK(crc == be32(type + 4 + len), "image ", path, ": corrupt PNG: chunk ", name,
                  " at byte ", at, " fails its CRC check");
    if (name == "IDAT") idat.insert(idat.end(), type + 4, type + 4 + len);
    ended = name == "IEND";
    at += 12 + len;
  }
  z_stream z{};
  GANLITE_CHECK(inflateInit(&z) == Z_OK, "image ", path, ": zlib failed to start");
  z.next_in = idat.data();
  z.avail_in = static_cast<uInt>(idat.size());
  std::vector<uint8_t> sink(1 << 16);
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = sink.data();
    z.avail_out = static_cast<uInt>(sink.size());
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc == Z_BUF_ERROR && z.avail_in > 0) rc = Z_OK;  // output full: keep going
  }
  const std::string msg = z.msg ? z.msg : "the stream ends early";
  inflateEnd(&z);
  GANLITE_CHECK(rc == Z_STREAM_END, "image ", path,
                ": corrupt PNG: the compressed image data does not inflate (zlib: ", msg, ")");
}

// A JPEG carries no checksum; what can be checked is that the file is whole: it starts with SOI
// and ends with EOI (a truncated download does not).
void verify_jpeg(const std::string& path, const std::vector<uint8_t>& b) {
  size_t end = b.size();
  while (end > 2 && b[end - 1] == 0) --end;  // some writers pad after EOI
  GANLITE_CHECK(end >= 4 && b[end - 2] == 0xFF && b[end - 1] == 0xD9, "image ", path,
                ": corrupt JPEG, truncated: no end-of-image marker");
}

void verify_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  static const uint8_t kPng[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (bytes.size() >= 8 && std::memcmp(bytes.data(), kPng, 8) == 0)
    verify_png(path, bytes);
  else if (bytes.size() >= 2 && bytes[0] == 0xFF && bytes[1] == 0xD8)
    verify_jpeg(path, bytes);
}

std::vector<uint8_t> read_bytes(const std::string& path, int64_t size) {
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char*>(bytes.data()), size);
  GANLITE_CHECK(in.gcount() == size, "image ", path, ": short read");
  return bytes;
}

void check_dims(const std::string& path, int w, int h, const ImageLimits& limits) {
  GANLITE_CHECK(w > 0 && h > 0, "image ", path, ": empty image (", w, "x", h, ")");
  GANLITE_CHECK(w <= limits.max_side && h <= limits.max_side, "image ", path, ": ", w, "x", h,
                " exceeds the dimension cap of ", limits.max_side, " pixels per side");
}

uint8_t to_byte(float v) {
  float x = std::round((std::clamp(v, -1.0f, 1.0f) + 1.0f) * 127.5f);
  return static_cast<uint8_t>(x);
}

}  // namespace

bool is_image_path(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

ImageInfo read_image_info(const std::string& path, const ImageLimits& limits) {
  checked_file_size(path, limits);
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), std::fclose);
  GANLITE_CHECK(f, "image ", path, ": cannot open: ", std::strerror(errno));
  int w = 0, h = 0, c = 0;
  GANLITE_CHECK(stbi_info_from_file(f.get(), &w, &h, &c), "image ", path, ": ", failure_reason());
  check_dims(path, w, h, limits);
  return {w, h, c};
}

void verify_image_file(const std::string& path, const ImageLimits& limits) {
  verify_bytes(path, read_bytes(path, checked_file_size(path, limits)));
}

Tensor read_image(const std::string& path, int64_t channels, const ImageLimits& limits) {
  GANLITE_CHECK(channels == 1 || channels == 3, "read_image: channels must be 1 or 3, got ",
                channels);
  const std::vector<uint8_t> bytes = read_bytes(path, checked_file_size(path, limits));
  verify_bytes(path, bytes);
  const int64_t size = static_cast<int64_t>(bytes.size());
  int w = 0, h = 0, c = 0;
  int len = static_cast<int>(size);
  GANLITE_CHECK(stbi_info_from_memory(bytes.data(), len, &w, &h, &c), "image ", path, ": ",
                failure_reason());
  check_dims(path, w, h, limits);  // before the decoder allocates w*h*c bytes
  // 16-bit PNGs are decoded at 16 bits: it keeps their precision and avoids stb's 16-to-8
  // conversion, the subject of fuzzing reports (stb #1307, #1437).
  const bool wide = stbi_is_16_bit_from_memory(bytes.data(), len);
  const int req = static_cast<int>(channels);
  std::unique_ptr<void, void (*)(void*)> px(
      wide ? static_cast<void*>(stbi_load_16_from_memory(bytes.data(), len, &w, &h, &c, req))
           : static_cast<void*>(stbi_load_from_memory(bytes.data(), len, &w, &h, &c, req)),
      stbi_image_free);
  GANLITE_CHECK(px, "image ", path, ": ", failure_reason());
  Tensor t = empty({channels, h, w}, DType::f32);  // (C, H, W) from stb's interleaved (H, W, C)
  float* out = t.data<float>();
  const int64_t hw = int64_t(h) * w;
  const auto* p8 = static_cast<const uint8_t*>(px.get());
  const auto* p16 = static_cast<const uint16_t*>(px.get());
  for (int64_t i = 0; i < hw; ++i)
    for (int64_t ch = 0; ch < channels; ++ch)
      out[ch * hw + i] =
          wide ? p16[i * channels + ch] / 32767.5f - 1.0f : p8[i * channels + ch] / 127.5f - 1.0f;
  return t;
}

void save_png(const std::string& path, const Tensor& images, int64_t nrow, int64_t padding) {
  GANLITE_CHECK(images.defined() && (images.dim() == 3 || images.dim() == 4),
                "save_png: expected (C,H,W) or (N,C,H,W), got ",
                images.defined() ? images.shape_str() : "an undefined tensor");
  GANLITE_CHECK(images.device() == Device::cpu, "save_png: move the images to the CPU first");
  GANLITE_CHECK(nrow > 0 && padding >= 0, "save_png: nrow must be > 0 and padding >= 0");
  Tensor x = images.detach().to(DType::f32).contiguous();
  if (x.dim() == 3) x = x.unsqueeze(0);
  const int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  GANLITE_CHECK(c == 1 || c == 3, "save_png: expected 1 or 3 channels, got ", x.shape_str());
  GANLITE_CHECK(n > 0 && h > 0 && w > 0, "save_png: empty images ", x.shape_str());
  if (n == 1) padding = 0;  // a single image is written as is, without a frame
  const int64_t cols = std::min(nrow, n), rows = (n + cols - 1) / cols;
  const int64_t gw = cols * (w + padding) + padding, gh = rows * (h + padding) + padding;
  GANLITE_CHECK(gw <= 65535 && gh <= 65535, "save_png: grid ", gw, "x", gh, " is too large");
  std::vector<uint8_t> grid(static_cast<size_t>(gw * gh * c), 0);
  const float* src = x.data<float>();
  for (int64_t k = 0; k < n; ++k) {
    int64_t y0 = padding + (k / cols) * (h + padding), x0 = padding + (k % cols) * (w + padding);
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t yy = 0; yy < h; ++yy)
        for (int64_t xx = 0; xx < w; ++xx)
          grid[((y0 + yy) * gw + x0 + xx) * c + ch] =
              to_byte(src[((k * c + ch) * h + yy) * w + xx]);
  }
  std::vector<uint8_t> png;
  auto sink = [](void* ctx, void* data, int size) {
    auto* v = static_cast<std::vector<uint8_t>*>(ctx);
    v->insert(v->end(), static_cast<uint8_t*>(data), static_cast<uint8_t*>(data) + size);
  };
  GANLITE_CHECK(
      stbi_write_png_to_func(sink, &png, int(gw), int(gh), int(c), grid.data(), int(gw * c)),
      "save_png: encoding ", path, " failed");
  write_file_atomically(path, {{png.data(), png.size()}}, "save_png");
}

}  // namespace ganlite
