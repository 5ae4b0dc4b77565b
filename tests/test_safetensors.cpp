// safetensors: round trips, files written by PyTorch's safetensors, and malformed files that
// must raise errors naming the file and the key (never crash, never damage a checkpoint).
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/ops.h"
#include "engine/random.h"
#include "engine/safetensors.h"

using namespace ganlite;
using Catch::Matchers::Contains;
using json = nlohmann::json;

namespace {

std::string tmp_path(const std::string& name) {
  return std::string(P_tmpdir) + "/ganlite_st_" + name;
}

std::string read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// A file with the given header JSON and data buffer.
std::string make_file(const std::string& name, const std::string& header, size_t data_bytes) {
  std::string bytes(8, '\0');
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>(n >> (8 * i));
  bytes += header + std::string(data_bytes, '\0');
  std::string path = tmp_path(name);
  write_bytes(path, bytes);
  return path;
}

}  // namespace

TEST_CASE("tensors and metadata round-trip through a safetensors file", "[safetensors]") {
  Generator g(1);
  TensorMap in{{"model.1.weight", randn({4, 3, 3, 3}, g)},
               {"double", randn({2, 5}, g, DType::f64).transpose(0, 1)},  // saved contiguous
               {"labels", randint(0, 10, {7}, g)},
               {"scalar", scalar(3.5)},
               {"empty", zeros({0, 4})}};
  std::string path = tmp_path("roundtrip.safetensors");
  save_safetensors(path, in, {{"step", "42"}, {"spec", "{\"a\": 1}"}});
  Safetensors out = load_safetensors(path);
  REQUIRE(out.tensors.size() == in.size());
  for (const auto& [k, t] : in) {
    INFO(k);
    CHECK(out.tensors[k].shape() == t.shape());
    CHECK(out.tensors[k].dtype() == t.dtype());
    CHECK(out.tensors[k].to_vector<double>() == t.to_vector<double>());
  }
  CHECK(out.metadata["step"] == "42");
  CHECK(out.metadata["spec"] == "{\"a\": 1}");
  CHECK(out.metadata.count("ganlite.crc32") == 1);
  // The data buffer starts 8-byte aligned, as the reference writer does.
  std::string bytes = read_bytes(path);
  uint64_t hl = 0;
  for (int i = 0; i < 8; ++i)
    hl |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[i])) << (8 * i);
  CHECK(hl % 8 == 0);
}

TEST_CASE("a file written by PyTorch's safetensors loads with the right values", "[safetensors]") {
  std::string dir = GANLITE_TEST_DATA;
  Safetensors st = load_safetensors(dir + "/torch_written.safetensors");
  std::ifstream f(dir + "/torch_written.json");
  json expected = json::parse(f);
  REQUIRE(st.tensors.size() == expected.size());
  CHECK(st.metadata["format"] == "pt");
  for (auto& [k, e] : expected.items()) {
    INFO(k);
    REQUIRE(st.tensors.count(k));
    CHECK(st.tensors[k].shape() == e["shape"].get<Shape>());
    CHECK(st.tensors[k].to_vector<double>() == e["data"].get<std::vector<double>>());
  }
  CHECK(st.tensors["half"].dtype() == DType::f32);
  CHECK(st.tensors["int32"].dtype() == DType::i64);
  CHECK(st.tensors["double"].dtype() == DType::f64);
}

TEST_CASE("malformed safetensors files raise errors naming the file and the key", "[safetensors]") {
  const std::string ok_entry = R"("w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
  SECTION("missing file") {
    REQUIRE_THROWS_WITH(load_safetensors(tmp_path("nope")), Contains(tmp_path("nope")));
  }
  SECTION("shorter than the length field") {
    std::string p = tmp_path("short.safetensors");
    write_bytes(p, "abc");
    REQUIRE_THROWS_WITH(load_safetensors(p), Contains(p) && Contains("truncated"));
  }
  SECTION("header length past the end") {
    std::string p = make_file("hl.safetensors", "{" + ok_entry + "}", 8);
    std::string b = read_bytes(p);
    b[0] = static_cast<char>(0xff);
    write_bytes(p, b);
    REQUIRE_THROWS_WITH(load_safetensors(p), Contains(p) && Contains("header length"));
  }
  SECTION("truncated data") {
    std::string p = make_file("trunc.safetensors", "{" + ok_entry + "}", 5);
    REQUIRE_THROWS_WITH(load_safetensors(p),
                        Contains(p) && Contains("tensor w") && Contains("out of range"));
  }
  SECTION("bad JSON") {
    std::string p = make_file("json.safetensors", "{\"w\": [1, 2", 0);
    REQUIRE_THROWS_WITH(load_safetensors(p), Contains(p) && Contains("JSON"));
  }
  SECTION("unknown dtype") {
    std::string p = make_file("dtype.safetensors",
                              R"({"w":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}})", 8);
    REQUIRE_THROWS_WITH(load_safetensors(p), Contains("tensor w") && Contains("Q4"));
  }
  SECTION("size not matching the shape") {
    std::string p = make_file("size.safetensors",
                              R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8);
    REQUIRE_THROWS_WITH(load_safetensors(p), Contains("tensor w") && Contains("[3]"));
  }
  SECTION("overlapping tensors") {
    std::string p = make_file(
        "overlap.safetensors",
        R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
        12);
    REQUIRE_THROWS_WITH(load_safetensors(p), Contains("a and b overlap"));
  }
  SECTION("duplicate keys") {
    std::string p = make_file("dup.safetensors", "{" + ok_entry + "," + ok_entry + "}", 8);
    REQUIRE_THROWS_WITH(load_safetensors(p), Contains("key w appears twice"));
  }
  SECTION("negative shape") {
    std::string p = make_file("neg.safetensors",
                              R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8);
    REQUIRE_THROWS_WITH(load_safetensors(p), Contains("tensor w") && Contains("shape"));
  }
  SECTION("a flipped data byte fails the checksum") {
    std::string p = tmp_path("crc.safetensors");
    save_safetensors(p, {{"w", ones({16})}});
    std::string b = read_bytes(p);
    b[b.size() - 3] ^= 0x40;
    write_bytes(p, b);
    REQUIRE_THROWS_WITH(load_safetensors(p), Contains(p) && Contains("checksum"));
  }
}

TEST_CASE("a shape of more elements than any file holds is refused, not wrapped", "[safetensors]") {
  // 2^32 x 2^32 = 2^64 elements: the product wraps to 0 in 64 bits, which "matched" 0 bytes.
  std::string p =
      make_file("overflow.safetensors",
                R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}})", 0);
  REQUIRE_THROWS_WITH(load_safetensors(p), Contains(p) && Contains("tensor w") &&
                                               Contains("more elements than any file can hold"));
  p = make_file("overflow2.safetensors",
                R"({"w":{"dtype":"F64","shape":[18446744073709551615],"data_offsets":[0,0]}})", 0);
  REQUIRE_THROWS_WITH(load_safetensors(p), Contains("tensor w") && Contains("more elements"));
}

TEST_CASE("ganlite's checksums cover the header too, and their removal is noticed",
          "[safetensors]") {
  const std::string p = tmp_path("hcrc.safetensors");
  save_safetensors(p, {{"w", ones({2, 3})}}, {{"format", "ganlite-run"}, {"format_version", "2"}});
  CHECK(load_safetensors(p).metadata.count("ganlite.header_crc32") == 1);
  const std::string good = read_bytes(p);
  // A shape edited in the header (same byte count, same data size): the data checksum alone
  // would not see it.
  std::string b = good;
  const size_t at = b.find("[2,3]");
  REQUIRE(at != std::string::npos);
  b.replace(at, 5, "[3,2]");
  write_bytes(p, b);
  REQUIRE_THROWS_WITH(load_safetensors(p), Contains(p) && Contains("header checksum mismatch"));
  // Both checksums removed from a ganlite checkpoint: refused, not loaded unchecked.
  uint64_t hl = 0;
  for (int i = 0; i < 8; ++i) hl |= static_cast<uint64_t>(static_cast<uint8_t>(good[i])) << (8 * i);
  json header = json::parse(good.substr(8, hl));
  header["__metadata__"].erase("ganlite.crc32");
  header["__metadata__"].erase("ganlite.header_crc32");
  std::string h = header.dump();
  std::string edited(8, '\0');
  for (int i = 0; i < 8; ++i) edited[i] = static_cast<char>(h.size() >> (8 * i));
  write_bytes(p, edited + h + good.substr(8 + hl));
  REQUIRE_THROWS_WITH(load_safetensors(p), Contains(p) && Contains("without its checksum") &&
                                               Contains("cannot be trusted"));
  // Another writer's file (no ganlite format, no checksums) loads, unchecked.
  const std::string other = make_file(
      "other.safetensors", R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 8);
  CHECK(load_safetensors(other).tensors.at("w").numel() == 2);
}

TEST_CASE("a failed save leaves the existing checkpoint intact", "[safetensors]") {
  std::string p = tmp_path("keep.safetensors");
  save_safetensors(p, {{"w", full({3}, 7.0)}});
  REQUIRE_THROWS_WITH(save_safetensors(p, {{"w", full({3}, 1.0)}, {"bad", Tensor()}}),
                      Contains("bad") && Contains("undefined"));
  CHECK(load_safetensors(p).tensors["w"].to_vector<float>() == std::vector<float>(3, 7.0f));
  REQUIRE_THROWS_WITH(save_safetensors("/nonexistent-dir/x.safetensors", {{"w", ones({1})}}),
                      Contains("/nonexistent-dir/x.safetensors"));
}
