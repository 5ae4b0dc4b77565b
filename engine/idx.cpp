// IDX reader: big-endian header (magic 0x0000080D with D dims for unsigned bytes, then D sizes),
// then the bytes. gzopen reads plain and gzip files alike.
#include "engine/idx.h"

#include <zlib.h>

#include <memory>
#include <vector>

namespace ganlite {
namespace {

struct IdxData {
  Shape dims;
  std::vector<uint8_t> bytes;
};

IdxData read_idx(const std::string& path, int64_t want_dims, int64_t limit) {
  std::unique_ptr<gzFile_s, int (*)(gzFile)> f(gzopen(path.c_str(), "rb"), gzclose);
  GANLITE_CHECK(f, "idx: cannot open ", path);
  auto read_exact = [&](void* dst, size_t n, const char* what) {
    int got = gzread(f.get(), dst, static_cast<unsigned>(n));
    GANLITE_CHECK(got == static_cast<int>(n), "idx: ", path, " is truncated (reading ", what,
                  ": wanted ", n, " bytes, got ", got, ")");
  };
  uint8_t magic[4];
  read_exact(magic, 4, "magic");
  GANLITE_CHECK(magic[0] == 0 && magic[1] == 0 && magic[2] == 0x08, "idx: ", path,
                " is not an unsigned-byte IDX file (bad magic)");
  GANLITE_CHECK(magic[3] == want_dims, "idx: ", path, " has ", int(magic[3]), " dims, expected ",
                want_dims);
  IdxData d;
  for (int64_t i = 0; i < want_dims; ++i) {
    uint8_t b[4];
    read_exact(b, 4, "dimension");
    d.dims.push_back((int64_t(b[0]) << 24) | (b[1] << 16) | (b[2] << 8) | b[3]);
  }
  if (limit > 0 && limit < d.dims[0]) d.dims[0] = limit;
  int64_t n = shape_numel(d.dims);
  GANLITE_CHECK(n > 0 && n < (int64_t(1) << 31), "idx: ", path, " has implausible size ",
                shape_str(d.dims));
  d.bytes.resize(n);
  read_exact(d.bytes.data(), n, "data");
  return d;
}

}  // namespace

Tensor read_idx_images(const std::string& path, int64_t limit) {
  IdxData d = read_idx(path, 3, limit);
  Tensor t = empty({d.dims[0], 1, d.dims[1], d.dims[2]}, DType::f32);
  float* p = t.data<float>();
  for (size_t i = 0; i < d.bytes.size(); ++i) p[i] = d.bytes[i] / 127.5f - 1.0f;
  return t;
}

Tensor read_idx_labels(const std::string& path, int64_t limit) {
  IdxData d = read_idx(path, 1, limit);
  Tensor t = empty({d.dims[0]}, DType::i64);
  int64_t* p = t.data<int64_t>();
  for (size_t i = 0; i < d.bytes.size(); ++i) p[i] = d.bytes[i];
  return t;
}

}  // namespace ganlite
