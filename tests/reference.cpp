// Reference-data helpers shared by the model tests.
#include "reference.h"

#include <catch2/catch.hpp>
#include <cmath>

namespace ganlite::test {

double max_abs_diff(const Tensor& a, const Tensor& b) {
  REQUIRE(a.shape() == b.shape());
  std::vector<double> x = a.to_vector<double>(), y = b.to_vector<double>();
  double d = 0;
  for (size_t i = 0; i < x.size(); ++i) d = std::max(d, std::abs(x[i] - y[i]));
  return d;
}

TensorMap load_reference(const std::string& name) {
  return load_safetensors(std::string(GANLITE_TEST_DATA) + "/" + name + ".safetensors").tensors;
}

}  // namespace ganlite::test
