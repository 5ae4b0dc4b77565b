// safetensors checkpoints (the format of huggingface/safetensors): 8-byte little-endian header
// length, a JSON header {name: {dtype, shape, data_offsets}, "__metadata__": {str: str}}, then
// the byte buffer, C order. PyTorch users read ours and we read theirs.
#pragma once
#include <map>
#include <string>

#include "engine/tensor.h"

namespace ganlite {

using TensorMap = std::map<std::string, Tensor>;
using Metadata = std::map<std::string, std::string>;

struct Safetensors {
  TensorMap tensors;
  Metadata metadata;
};

// Writes atomically (a temporary file beside `path`, fsync, rename), so an interrupted save never
// damages an existing checkpoint. Adds to the metadata "ganlite.crc32" (of the data buffer) and
// "ganlite.header_crc32" (of the header without these two keys).
void save_safetensors(const std::string& path, const TensorMap& tensors,
                      const Metadata& metadata = {});

// Reads and validates a file: F32, F64 and I64 load as they are; F16 and BF16 load as f32;
// I32, I16, I8, U8 and BOOL as i64. Malformed files (truncated, bad header length, bad JSON,
// unknown dtype, a shape of more elements than a file holds, offsets out of range or overlapping,
// size not matching the shape, duplicate keys, a wrong checksum of the data or the header, a
// ganlite checkpoint whose checksums were removed) raise ganlite::Error naming the file and the
// key. A file without ganlite's checksums (another writer's) is loaded unchecked.
Safetensors load_safetensors(const std::string& path);

// The entries of `all` whose names start with `prefix`, the prefix removed ("G.main.0.weight"
// under "G." is "main.0.weight"): one network's state_dict out of a checkpoint.
TensorMap tensors_under(const TensorMap& all, const std::string& prefix);

}  // namespace ganlite
