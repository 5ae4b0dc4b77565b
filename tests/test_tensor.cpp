// Tensor basics: views share storage, factories, seeded counter-based random numbers, casts,
// printing.
#include <catch2/catch.hpp>

#include "engine/ops.h"
#include "engine/random.h"
#include "kernels/philox.h"

using namespace ganlite;
using Catch::Matchers::Contains;

TEST_CASE("a channel prefix slice is a view that shares storage", "[tensor]") {
  Tensor w = arange(0, 2 * 4 * 3, 1, DType::f32).reshape({4, 2, 3});
  Tensor p = w.slice(0, 0, 2);
  CHECK(p.data<float>() == w.data<float>());
  CHECK(p.shape() == Shape{2, 2, 3});
  CHECK(p.is_contiguous());
  p.fill_(-1.0);
  CHECK(w.to_vector<float>()[11] == -1.0f);
  CHECK(w.to_vector<float>()[12] == 12.0f);
  Tensor mid = w.slice(2, 1, 2);  // non-leading: a strided view
  CHECK(mid.data<float>() == w.data<float>() + 1);
  CHECK_FALSE(mid.is_contiguous());
}

TEST_CASE("reshape, permute and expand are views, contiguous copies only when needed", "[tensor]") {
  Tensor x = arange(0, 6, 1, DType::f64).reshape({2, 3});
  Tensor r = x.reshape({3, 2});
  CHECK(r.data<double>() == x.data<double>());
  Tensor t = x.transpose(0, 1);
  CHECK(t.data<double>() == x.data<double>());
  CHECK(t.strides() == Shape{1, 3});
  CHECK(t.to_vector<double>() == std::vector<double>{0, 3, 1, 4, 2, 5});
  Tensor c = t.contiguous();
  CHECK(c.data<double>() != x.data<double>());
  CHECK(c.is_contiguous());
  CHECK(x.contiguous().data<double>() == x.data<double>());
  Tensor e = arange(0, 3, 1, DType::f64).reshape({3, 1}).expand({2, 3, 4});
  CHECK(e.strides() == Shape{0, 1, 0});
  CHECK(e.to_vector<double>()[5] == 1.0);
  CHECK(x.unsqueeze(0).squeeze(0).shape() == x.shape());
  CHECK(x.flatten().shape() == Shape{6});
}

TEST_CASE("factories fill the values they promise", "[tensor]") {
  CHECK(zeros({2, 2}).to_vector<float>() == std::vector<float>(4, 0.0f));
  CHECK(ones({3}, DType::f64).to_vector<double>() == std::vector<double>(3, 1.0));
  CHECK(full({2}, 2.5).to_vector<float>() == std::vector<float>{2.5f, 2.5f});
  CHECK(arange(1, 2, 0.25, DType::f64).to_vector<double>() ==
        std::vector<double>{1.0, 1.25, 1.5, 1.75});
  CHECK(scalar(3.0).item() == 3.0);
  CHECK(arange(0, 4, 1, DType::i64).to(DType::f32).to_vector<float>()[3] == 3.0f);
}

TEST_CASE("Philox4x32-10 matches the published known-answer vector", "[random]") {
  // Random123 kat_vectors: counter 0, key 0.
  Philox4 r = philox4x32_10(0, 0);
  CHECK(r.v[0] == 0x6627e8d5u);
  CHECK(r.v[1] == 0xe169c58du);
  CHECK(r.v[2] == 0xbc57ac4cu);
  CHECK(r.v[3] == 0x9b00dbd8u);
}

TEST_CASE("the same seed gives the same numbers and draws advance the offset", "[random]") {
  Generator a(42), b(42);
  Tensor x = randn({1000}, a), y = randn({1000}, b);
  CHECK(x.to_vector<float>() == y.to_vector<float>());
  CHECK(a.offset == 1000);
  Tensor z = randn({1000}, a);
  CHECK(z.to_vector<float>() != x.to_vector<float>());
  // Element i depends only on (seed, offset + i): two halves equal one whole draw.
  Generator c(42);
  Tensor h1 = randn({500}, c), h2 = randn({500}, c);
  CHECK(concat({h1, h2}, 0).to_vector<float>() == x.to_vector<float>());
}

TEST_CASE("random distributions have the right range and moments", "[random]") {
  Generator g(7);
  Tensor n = randn({20000}, g, DType::f64);
  CHECK(std::abs(mean(n).item()) < 0.03);
  CHECK(std::abs(var(n).item() - 1.0) < 0.05);
  Tensor u = rand({20000}, g, DType::f64, -2.0, 3.0);
  CHECK(max(u).item() < 3.0);
  CHECK(-max(-u).item() >= -2.0);
  CHECK(std::abs(mean(u).item() - 0.5) < 0.05);
  Tensor k = randint(3, 7, {5000}, g);
  CHECK(k.dtype() == DType::i64);
  std::vector<int64_t> kv = k.to_vector<int64_t>();
  CHECK(*std::min_element(kv.begin(), kv.end()) == 3);
  CHECK(*std::max_element(kv.begin(), kv.end()) == 6);
  std::vector<int64_t> perm = randperm(50, g).to_vector<int64_t>();
  std::sort(perm.begin(), perm.end());
  for (int64_t i = 0; i < 50; ++i) CHECK(perm[i] == i);
}

TEST_CASE("printing shows values, shape and dtype", "[tensor]") {
  std::string s = arange(0, 4, 1, DType::f32).reshape({2, 2}).str();
  CHECK_THAT(s, Contains("[[0, 1], [2, 3]]") && Contains("shape=[2, 2]") && Contains("f32"));
  std::string big = zeros({100}).str();
  CHECK_THAT(big, Contains("..."));
}

TEST_CASE("index_select gathers i64 labels as well as floats", "[tensor]") {
  Tensor labels = from_vector<int64_t>({5, 6, 7, 8}, {4});
  Tensor picked = index_select(labels, 0, from_vector<int64_t>({3, 0, 3}, {3}));
  CHECK(picked.dtype() == DType::i64);
  CHECK(picked.to_vector<int64_t>() == std::vector<int64_t>{8, 5, 8});
}
