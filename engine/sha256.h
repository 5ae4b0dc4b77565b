// SHA-256 (FIPS 180-4) of bytes and of files, as lowercase hex: how a run pins the teacher and
// init_from files it was started from (gan/train/netref.h).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace ganlite {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t n);
  std::string hex();  // finishes the hash; call once

 private:
  void block(const uint8_t* p);
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t used_ = 0;
  uint64_t bytes_ = 0;
};

std::string sha256_hex(const std::string& bytes);
// Errors name the file.
std::string sha256_file(const std::string& path);

}  // namespace ganlite
