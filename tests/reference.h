// Helpers for comparing against reference data committed in tests/data (written by the
// tests/make_*_refs.py scripts).
#pragma once
#include <string>

#include "engine/safetensors.h"

namespace ganlite::test {

// Largest |a - b| over the elements; the shapes must match (a Catch2 REQUIRE).
double max_abs_diff(const Tensor& a, const Tensor& b);

// tests/data/<name>.safetensors.
TensorMap load_reference(const std::string& name);

}  // namespace ganlite::test
