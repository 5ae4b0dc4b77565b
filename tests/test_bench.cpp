// gan::bench_model: what it measures and the files it leaves for the PyTorch peer.
#include <catch2/catch.hpp>
#include <filesystem>

#include "engine/autograd.h"
#include "engine/safetensors.h"
#include "gan/eval/bench.h"

using namespace ganlite;

TEST_CASE("bench_model times each batch and a training step, and saves a checkable pair",
          "[bench]") {
  gan::BenchOptions o;
  o.model = "dcgan_generator";
  o.options = {{"ngf", "8"}, {"image_size", "32"}, {"nz", "16"}};
  o.d_model = "dcgan_discriminator";
  o.d_options = {{"ndf", "8"}, {"image_size", "32"}};
  o.batches = {1, 3};
  o.runs = 2;
  o.warmup = 0;
  o.save_dir = (std::filesystem::temp_directory_path() / "ganlite_bench_test").string();
  std::filesystem::remove_all(o.save_dir);
  gan::BenchResult r = gan::bench_model(o);
  CHECK(r.input == Shape{1, 16, 1, 1});
  REQUIRE(r.infer.size() == 2);
  CHECK(r.infer[1].batch == 3);
  for (const auto& t : r.infer) {
    CHECK(t.median_ms > 0);
    CHECK(t.p90_ms >= t.median_ms);
    CHECK(t.gflops > 0);
  }
  CHECK(r.macs_true > 0);
  CHECK(r.peak_gflops > 0);
  REQUIRE(r.trained);
  CHECK(r.train_step.median_ms > 0);

  // The saved weights rebuild the same network: its eval output on the saved input is the
  // saved output, and D's weights sit under "D.".
  TensorMap w = load_safetensors(o.save_dir + "/weights.safetensors").tensors;
  TensorMap io = load_safetensors(o.save_dir + "/io.safetensors").tensors;
  nn::ModulePtr g = gan::make_model(o.model, o.options);
  TensorMap gw;
  bool has_d = false;
  for (auto& [k, v] : w) {
    if (k.rfind("D.", 0) == 0)
      has_d = true;
    else
      gw[k] = v;
  }
  CHECK(has_d);
  g->load_state_dict(gw);
  g->eval();
  NoGradGuard ng;
  Tensor y = (*g)(io.at("input"));
  CHECK(y.to_vector<float>() == io.at("output").to_vector<float>());
  std::filesystem::remove_all(o.save_dir);
}

TEST_CASE("bench_model --r1 times D's step without and with R1", "[bench]") {
  gan::BenchOptions o;
  o.model = "dcgan_generator";
  o.options = {{"ngf", "8"}, {"image_size", "32"}, {"nz", "16"}};
  o.d_model = "dcgan_discriminator";
  o.d_options = {{"ndf", "8"}, {"image_size", "32"}};
  o.batches = {1};
  o.train_batch = 4;
  o.runs = 3;
  o.warmup = 1;
  o.r1 = true;
  gan::BenchResult r = gan::bench_model(o);
  REQUIRE(r.r1_timed);
  CHECK(r.d_step.batch == 4);
  CHECK(r.d_step_r1.batch == 4);
  CHECK(r.d_step.median_ms > 0);
  CHECK(r.d_step_r1.p90_ms >= r.d_step_r1.median_ms);
}

TEST_CASE("bench_model refuses an empty batch list", "[bench]") {
  gan::BenchOptions o;
  o.model = "dcgan_generator";
  o.batches = {};
  CHECK_THROWS_WITH(gan::bench_model(o), Catch::Contains("batches"));
}
