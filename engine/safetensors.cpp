// safetensors reader and writer. The header is parsed with nlohmann::json; a parse callback
// catches duplicate keys, which the format forbids and a plain parse would silently merge.
#include "engine/safetensors.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>
#include <vector>

#include "engine/files.h"

namespace ganlite {
namespace {

using json = nlohmann::json;

constexpr uint64_t kMaxHeader = 100u << 20;  // the reference implementation's limit
// Written by save_safetensors: the CRC-32 of the data buffer, and of the header as it reads
// without these two keys (so a changed shape, dtype or offset is caught too).
const char* const kChecksumKey = "ganlite.crc32";
const char* const kHeaderChecksumKey = "ganlite.header_crc32";

const char* st_dtype(DType t) {
  switch (t) {
    case DType::f32:
      return "F32";
    case DType::f64:
      return "F64";
    case DType::i64:
      return "I64";
  }
  return "?";
}

// Size in bytes of a stored element, 0 for a dtype we cannot read.
size_t stored_size(const std::string& d) {
  if (d == "F64" || d == "I64") return 8;
  if (d == "F32" || d == "I32") return 4;
  if (d == "F16" || d == "BF16" || d == "I16") return 2;
  if (d == "I8" || d == "U8" || d == "BOOL") return 1;
  return 0;
}

float half_to_float(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ffu, bits;
  if (exp == 0) {
    if (man == 0) {
      bits = sign;
    } else {  // subnormal: renormalise
      int e = -1;
      do {
        ++e;
        man <<= 1;
      } while (!(man & 0x400u));
      bits = sign | ((112 - e) << 23) | ((man & 0x3ffu) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (man << 13);
  } else {
    bits = sign | ((exp + 112) << 23) | (man << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

template <class S>
S load_le(const uint8_t* p) {
  S v;
  std::memcpy(&v, p, sizeof(S));  // little-endian hosts only (x86-64, aarch64)
  return v;
}

// Converts n stored elements of dtype d at p into tensor t (f32, f64 or i64).
void decode(const std::string& d, const uint8_t* p, int64_t n, Tensor& t) {
  if (d == "F32" || d == "F64" || d == "I64") {
    std::memcpy(t.impl()->storage->data, p, n * stored_size(d));
  } else if (d == "F16" || d == "BF16") {
    float* out = t.data<float>();
    for (int64_t i = 0; i < n; ++i) {
      uint16_t h = load_le<uint16_t>(p + 2 * i);
      if (d == "F16") {
        out[i] = half_to_float(h);
      } else {
        uint32_t bits = static_cast<uint32_t>(h) << 16;
        std::memcpy(&out[i], &bits, 4);
      }
    }
  } else {
    int64_t* out = t.data<int64_t>();
    for (int64_t i = 0; i < n; ++i) {
      if (d == "I32") out[i] = load_le<int32_t>(p + 4 * i);
      if (d == "I16") out[i] = load_le<int16_t>(p + 2 * i);
      if (d == "I8") out[i] = static_cast<int8_t>(p[i]);
      if (d == "U8" || d == "BOOL") out[i] = p[i];
    }
  }
}

DType loaded_dtype(const std::string& d) {
  if (d == "F64") return DType::f64;
  if (d == "F32" || d == "F16" || d == "BF16") return DType::f32;
  return DType::i64;
}

uint32_t crc32_of(const uint8_t* p, size_t n) {
  uLong c = crc32(0L, Z_NULL, 0);
  while (n > 0) {  // zlib takes a uInt length
    uInt chunk = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    c = crc32(c, p, chunk);
    p += chunk;
    n -= chunk;
  }
  return static_cast<uint32_t>(c);
}

std::string hex32(uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

}  // namespace

void save_safetensors(const std::string& path, const TensorMap& tensors, const Metadata& metadata) {
  json header = json::object();
  std::vector<Tensor> data;
  uint64_t offset = 0;
  for (const auto& [name, t0] : tensors) {
    GANLITE_CHECK(name != "__metadata__", "save_safetensors: ", path,
                  ": a tensor cannot be named __metadata__");
    GANLITE_CHECK(t0.defined(), "save_safetensors: ", path, ": tensor ", name, " is undefined");
    // The buffer is written from host memory: device tensors (a cuda model's state) come over.
    Tensor t = t0.detach().cpu().contiguous();
    uint64_t bytes = static_cast<uint64_t>(t.numel()) * dtype_size(t.dtype());
    header[name] = {{"dtype", st_dtype(t.dtype())},
                    {"shape", t.shape()},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    data.push_back(t);
  }
  std::vector<uint8_t> buffer(offset);
  uint64_t at = 0;
  for (const Tensor& t : data) {
    size_t bytes = t.numel() * dtype_size(t.dtype());
    if (bytes)
      std::memcpy(
          buffer.data() + at,
          static_cast<const char*>(t.impl()->storage->data) + t.offset() * dtype_size(t.dtype()),
          bytes);
    at += bytes;
  }
  json meta = json::object();
  for (const auto& [k, v] : metadata)
    if (k != kChecksumKey && k != kHeaderChecksumKey) meta[k] = v;
  header["__metadata__"] = meta;
  const std::string unsummed = header.dump();
  meta[kChecksumKey] = hex32(crc32_of(buffer.data(), buffer.size()));
  meta[kHeaderChecksumKey] =
      hex32(crc32_of(reinterpret_cast<const uint8_t*>(unsummed.data()), unsummed.size()));
  header["__metadata__"] = meta;
  std::string h = header.dump();
  h.append((8 - h.size() % 8) % 8, ' ');  // the data buffer starts 8-byte aligned

  uint8_t len[8];
  const uint64_t hl = h.size();
  for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(hl >> (8 * i));
  write_file_atomically(path, {{len, 8}, {h.data(), h.size()}, {buffer.data(), buffer.size()}},
                        "save_safetensors");
}

Safetensors load_safetensors(const std::string& path) {
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  GANLITE_CHECK(f.good(), "load_safetensors: cannot open ", path);
  uint64_t size = static_cast<uint64_t>(f.tellg());
  f.seekg(0);
  GANLITE_CHECK(size >= 8, "load_safetensors: ", path, " is truncated (", size,
                " bytes, the header length alone takes 8)");
  uint8_t len[8];
  f.read(reinterpret_cast<char*>(len), 8);
  uint64_t hl = 0;
  for (int i = 0; i < 8; ++i) hl |= static_cast<uint64_t>(len[i]) << (8 * i);
  GANLITE_CHECK(hl <= kMaxHeader, "load_safetensors: ", path, ": header length ", hl,
                " exceeds the 100 MiB limit (not a safetensors file?)");
  GANLITE_CHECK(hl <= size - 8, "load_safetensors: ", path, ": header length ", hl,
                " runs past the end of the file (", size, " bytes)");
  std::string h(hl, '\0');
  f.read(h.data(), static_cast<std::streamsize>(hl));
  std::vector<uint8_t> buffer(size - 8 - hl);
  f.read(reinterpret_cast<char*>(buffer.data()), static_cast<std::streamsize>(buffer.size()));
  GANLITE_CHECK(f.good(), "load_safetensors: reading ", path, " failed");

  std::set<std::string> seen;
  std::string duplicate;
  json header;
  try {
    header = json::parse(h, [&](int depth, json::parse_event_t ev, json& j) {
      if (depth == 1 && ev == json::parse_event_t::key && !seen.insert(j.get<std::string>()).second)
        duplicate = j.get<std::string>();
      return true;
    });
  } catch (const json::exception& e) {
    GANLITE_FAIL("load_safetensors: ", path, ": the header is not valid JSON (", e.what(), ")");
  }
  GANLITE_CHECK(duplicate.empty(), "load_safetensors: ", path, ": key ", duplicate,
                " appears twice in the header");
  GANLITE_CHECK(header.is_object(), "load_safetensors: ", path, ": the header is not an object");

  Safetensors out;
  std::vector<std::tuple<uint64_t, uint64_t, std::string>> ranges;
  for (auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      GANLITE_CHECK(entry.is_object(), "load_safetensors: ", path,
                    ": __metadata__ is not an object");
      for (auto& [k, v] : entry.items()) {
        GANLITE_CHECK(v.is_string(), "load_safetensors: ", path, ": metadata ", k,
                      " is not a string");
        out.metadata[k] = v.get<std::string>();
      }
      continue;
    }
    const std::string where = "load_safetensors: " + path + ": tensor " + name;
    GANLITE_CHECK(entry.is_object() && entry.contains("dtype") && entry.contains("shape") &&
                      entry.contains("data_offsets"),
                  where, ": needs dtype, shape and data_offsets");
    const json &jd = entry["dtype"], &js = entry["shape"], &jo = entry["data_offsets"];
    GANLITE_CHECK(jd.is_string(), where, ": dtype is not a string");
    std::string dt = jd.get<std::string>();
    size_t esize = stored_size(dt);
    GANLITE_CHECK(esize > 0, where, ": unknown dtype '", dt, "'");
    GANLITE_CHECK(js.is_array(), where, ": shape is not a list");
    Shape shape;
    uint64_t n = 1;  // the element count, checked for overflow: a shape claiming 2^64 elements
    bool overflow = false;
    for (const json& d : js) {
      GANLITE_CHECK(d.is_number_unsigned(), where, ": shape ", js.dump(),
                    " holds something other than a non-negative integer");
      const uint64_t v = d.get<uint64_t>();
      overflow = overflow || v > (uint64_t(1) << 62) || __builtin_mul_overflow(n, v, &n);
      shape.push_back(static_cast<int64_t>(v));
    }
    GANLITE_CHECK(!overflow && n <= (uint64_t(1) << 62) / esize, where, ": shape ", js.dump(),
                  " has more elements than any file can hold");
    GANLITE_CHECK(
        jo.is_array() && jo.size() == 2 && jo[0].is_number_unsigned() && jo[1].is_number_unsigned(),
        where, ": data_offsets ", jo.dump(), " is not [begin, end]");
    uint64_t b = jo[0].get<uint64_t>(), e = jo[1].get<uint64_t>();
    GANLITE_CHECK(b <= e && e <= buffer.size(), where, ": data_offsets [", b, ", ", e,
                  "] out of range for a data buffer of ", buffer.size(), " bytes");
    GANLITE_CHECK(e - b == n * esize, where, ": data_offsets [", b, ", ", e, "] hold ", e - b,
                  " bytes but shape ", shape_str(shape), " of ", dt, " needs ", n * esize);
    ranges.emplace_back(b, e, name);
    Tensor t = empty(shape, loaded_dtype(dt));
    decode(dt, buffer.data() + b, static_cast<int64_t>(n), t);
    out.tensors[name] = t;
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i)
    GANLITE_CHECK(std::get<0>(ranges[i]) >= std::get<1>(ranges[i - 1]) ||
                      std::get<0>(ranges[i]) == std::get<1>(ranges[i]),
                  "load_safetensors: ", path, ": tensors ", std::get<2>(ranges[i - 1]), " and ",
                  std::get<2>(ranges[i]), " overlap in the data buffer");
  auto crc = out.metadata.find(kChecksumKey);
  auto header_crc = out.metadata.find(kHeaderChecksumKey);
  const auto format = out.metadata.find("format");
  // A ganlite checkpoint or export without its checksums was edited: refused, since a file
  // without them is loaded unchecked (files from other writers).
  GANLITE_CHECK(crc != out.metadata.end() || format == out.metadata.end() ||
                    format->second.rfind("ganlite", 0) != 0,
                "load_safetensors: ", path, ": a ganlite file (format ", format->second,
                ") without its checksum ", kChecksumKey, ": it was altered and cannot be trusted");
  if (crc != out.metadata.end())
    GANLITE_CHECK(crc->second == hex32(crc32_of(buffer.data(), buffer.size())),
                  "load_safetensors: ", path, ": checksum mismatch (", kChecksumKey, " ",
                  crc->second, "): the file is corrupt");
  if (header_crc != out.metadata.end()) {
    json unsummed = header;
    unsummed["__metadata__"].erase(kChecksumKey);
    unsummed["__metadata__"].erase(kHeaderChecksumKey);
    const std::string u = unsummed.dump();
    GANLITE_CHECK(
        header_crc->second == hex32(crc32_of(reinterpret_cast<const uint8_t*>(u.data()), u.size())),
        "load_safetensors: ", path, ": header checksum mismatch (", kHeaderChecksumKey, " ",
        header_crc->second, "): the header (a name, shape, dtype, offset or metadata) was changed");
  } else if (crc != out.metadata.end()) {
    GANLITE_CHECK(format == out.metadata.end() || format->second.rfind("ganlite", 0) != 0 ||
                      out.metadata.count("format_version") == 0,
                  "load_safetensors: ", path, ": a ganlite file without its header checksum ",
                  kHeaderChecksumKey, ": it was altered and cannot be trusted");
  }
  return out;
}

TensorMap tensors_under(const TensorMap& all, const std::string& prefix) {
  TensorMap out;
  for (auto it = all.lower_bound(prefix); it != all.end() && it->first.rfind(prefix, 0) == 0; ++it)
    out[it->first.substr(prefix.size())] = it->second;
  return out;
}

}  // namespace ganlite
