// SHA-256 against the FIPS 180-4 / NIST example vectors, and a file hashed in pieces.
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <string>

#include "engine/sha256.h"

using namespace ganlite;
using Catch::Matchers::Contains;

TEST_CASE("sha256: the NIST example vectors", "[sha256]") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(sha256_hex(std::string(1000000, 'a')) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("sha256: a file equals its bytes; a missing file names itself", "[sha256]") {
  std::string bytes;
  for (int i = 0; i < 3000000; ++i) bytes.push_back(static_cast<char>(i * 7 + i / 251));
  const std::string path = std::string(P_tmpdir) + "/ganlite_sha256_test.bin";
  std::ofstream(path, std::ios::binary) << bytes;
  CHECK(sha256_file(path) == sha256_hex(bytes));
  // Fed in uneven pieces, the same digest.
  Sha256 s;
  for (size_t i = 0; i < bytes.size(); i += 777)
    s.update(bytes.data() + i, std::min<size_t>(777, bytes.size() - i));
  CHECK(s.hex() == sha256_hex(bytes));
  std::remove(path.c_str());
  CHECK_THROWS_WITH(sha256_file(path), Contains(path));
}
