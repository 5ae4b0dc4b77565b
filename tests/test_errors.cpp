// Bad input raises ganlite::Error whose message names the op, the shapes and the offending dim.
#include <catch2/catch.hpp>

#include "engine/ops.h"

using namespace ganlite;
using Catch::Matchers::Contains;

TEST_CASE("shape mismatches name the op, both shapes and the dim", "[errors]") {
  Tensor a = zeros({2, 3}), b = zeros({4, 3});
  REQUIRE_THROWS_AS(add(a, b), Error);
  REQUIRE_THROWS_WITH(
      add(a, b), Contains("add") && Contains("[2, 3]") && Contains("[4, 3]") && Contains("dim 0"));
  REQUIRE_THROWS_WITH(matmul(zeros({2, 3}), zeros({4, 5})),
                      Contains("matmul") && Contains("[2, 3]") && Contains("[4, 5]"));
  REQUIRE_THROWS_WITH(bmm(zeros({2, 3, 4}), zeros({3, 4, 5})), Contains("bmm"));
  REQUIRE_THROWS_WITH(linear(zeros({2, 3}), zeros({5, 4})),
                      Contains("linear") && Contains("[2, 3]") && Contains("[5, 4]"));
}

TEST_CASE("wrong rank names the op and the shape", "[errors]") {
  REQUIRE_THROWS_WITH(conv2d(zeros({3, 8, 8}), zeros({4, 3, 3, 3})),
                      Contains("conv2d") && Contains("[3, 8, 8]"));
  REQUIRE_THROWS_WITH(matmul(zeros({2, 3, 4}), zeros({4, 2})),
                      Contains("matmul") && Contains("rank"));
  REQUIRE_THROWS_WITH(upsample_bilinear2d(zeros({2, 3}), 2),
                      Contains("upsample_bilinear2d") && Contains("[2, 3]"));
}

TEST_CASE("channel mismatches in convolution and norms are reported", "[errors]") {
  REQUIRE_THROWS_WITH(conv2d(zeros({1, 3, 8, 8}), zeros({4, 2, 3, 3})),
                      Contains("conv2d") && Contains("[1, 3, 8, 8]") && Contains("[4, 2, 3, 3]"));
  REQUIRE_THROWS_WITH(
      batch_norm(zeros({2, 3, 4, 4}), ones({4}), zeros({4}), Tensor(), Tensor(), true),
      Contains("batch_norm") && Contains("[2, 3, 4, 4]"));
  REQUIRE_THROWS_WITH(group_norm(zeros({2, 6, 4, 4}), 4), Contains("group_norm") && Contains("6"));
}

TEST_CASE("dtype errors name the dtypes", "[errors]") {
  REQUIRE_THROWS_WITH(add(zeros({2}), zeros({2}, DType::f64)),
                      Contains("add") && Contains("f32") && Contains("f64"));
  REQUIRE_THROWS_WITH(relu(zeros({2}, DType::i64)), Contains("relu") && Contains("i64"));
  REQUIRE_THROWS_WITH(index_select(zeros({3, 2}), 0, zeros({2})),
                      Contains("index_select") && Contains("i64"));
  REQUIRE_THROWS_WITH(zeros({2}, DType::i64).requires_grad_(), Contains("i64"));
}

TEST_CASE("views and indices out of range are reported", "[errors]") {
  Tensor x = zeros({2, 3});
  REQUIRE_THROWS_WITH(x.view({4, 2}), Contains("view") && Contains("[4, 2]") && Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(x.transpose(0, 1).view({6}), Contains("not contiguous"));
  REQUIRE_THROWS_WITH(x.slice(1, 2, 2), Contains("slice") && Contains("[2, 3]"));
  REQUIRE_THROWS_WITH(x.permute({0, 0}), Contains("permute"));
  REQUIRE_THROWS_WITH(x.expand({3, 3}), Contains("expand") && Contains("dim 0"));
  REQUIRE_THROWS_WITH(sum(x, {2}), Contains("sum") && Contains("dim 2"));
  REQUIRE_THROWS_WITH(index_select(x, 0, from_vector<int64_t>({0, 5}, {2})),
                      Contains("index_select") && Contains("5"));
  REQUIRE_THROWS_WITH(cross_entropy(zeros({2, 3}), from_vector<int64_t>({1, 3}, {2})),
                      Contains("cross_entropy") && Contains("3"));
  REQUIRE_THROWS_WITH(mse_loss(zeros({2, 3}), zeros({3, 2})),
                      Contains("mse_loss") && Contains("[2, 3]") && Contains("[3, 2]"));
  REQUIRE_THROWS_WITH(reflection_pad2d(zeros({1, 1, 3, 3}), {3, 0, 0, 0}),
                      Contains("reflection_pad2d"));
}
