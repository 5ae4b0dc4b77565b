// IDX reading: a well-formed file round-trips; bad files raise errors naming the path.
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>

#include "engine/idx.h"

using namespace ganlite;
using Catch::Matchers::Contains;

namespace {

std::string write_file(const std::string& name, const std::vector<uint8_t>& bytes) {
  std::string path = std::string(P_tmpdir) + "/ganlite_test_" + name;
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  return path;
}

}  // namespace

TEST_CASE("IDX images and labels are read and scaled", "[idx]") {
  std::string imgs =
      write_file("imgs.idx", {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0, 255, 51, 102});
  Tensor x = read_idx_images(imgs);
  CHECK(x.shape() == Shape{2, 1, 1, 2});
  std::vector<float> v = x.to_vector<float>();
  CHECK(v[0] == -1.0f);
  CHECK(v[1] == 1.0f);
  CHECK(read_idx_images(imgs, 1).shape() == Shape{1, 1, 1, 2});
  std::string labels = write_file("labels.idx", {0, 0, 8, 1, 0, 0, 0, 3, 7, 0, 9});
  CHECK(read_idx_labels(labels).to_vector<int64_t>() == std::vector<int64_t>{7, 0, 9});
}

TEST_CASE("bad IDX files name the path and the problem", "[idx]") {
  REQUIRE_THROWS_WITH(read_idx_labels("/nonexistent/labels.gz"),
                      Contains("/nonexistent/labels.gz"));
  std::string trunc = write_file("trunc.idx", {0, 0, 8, 1, 0, 0, 0, 9, 1, 2});
  REQUIRE_THROWS_WITH(read_idx_labels(trunc), Contains(trunc) && Contains("truncated"));
  std::string magic = write_file("magic.idx", {1, 2, 3, 4, 0, 0, 0, 1, 0});
  REQUIRE_THROWS_WITH(read_idx_labels(magic), Contains(magic) && Contains("magic"));
  std::string dims = write_file("dims.idx", {0, 0, 8, 1, 0, 0, 0, 1, 5});
  REQUIRE_THROWS_WITH(read_idx_images(dims), Contains("dims"));
}
