// FD-FMNIST / KID-FMNIST plumbing (gan/eval/fmnist_eval.h) with a randomly initialised classifier:
// shapes and batching, how inputs of other sizes and channel counts reach the 28x28 network,
// weights files with and without the trainer's "G." prefix, clear errors for missing files, and on
// real Fashion-MNIST (skipped when absent): FD(x, x) ~ 0, real-vs-real below real-vs-noise, the
// 32x32 padded set giving the 28x28 features exactly, and class_accuracy against a hand count.
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "engine/image.h"
#include "engine/ops.h"
#include "engine/random.h"
#include "engine/safetensors.h"
#include "gan/eval/evaluate.h"
#include "gan/eval/fmnist_eval.h"
#include "gan/models/registry.h"
#include "nn/data/fashion.h"
#include "nn/data/transforms.h"
#include "reference.h"

using namespace ganlite;
using namespace ganlite::gan;
using Catch::Contains;
namespace fs = std::filesystem;

namespace {

std::shared_ptr<FmnistClassifier> random_classifier(int64_t width = 8) {
  manual_seed(0);
  FmnistClassifierOptions o;
  o.width = width;
  return std::make_shared<FmnistClassifier>(o);
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  REQUIRE(a.shape() == b.shape());
  return max(abs(a.to(DType::f64) - b.to(DType::f64))).item();
}

bool skip_without_data() {
  if (data::fashion_mnist_available()) return false;
  WARN("skipped: no Fashion-MNIST at " << data::fashion_mnist_root()
                                       << " (scripts/test.sh installs dataset-fashion-mnist)");
  return true;
}

}  // namespace

TEST_CASE("fmnist_classifier: registry, names, shapes", "[fmnist_eval]") {
  nn::ModulePtr m = make_model("fmnist_classifier", {{"width", "8"}});
  auto* net = dynamic_cast<FmnistClassifier*>(m.get());
  REQUIRE(net != nullptr);
  CHECK(net->width() == 8);
  const TensorMap sd = m->state_dict();
  CHECK(sd.at("features.0.weight").shape() == Shape{8, 1, 3, 3});
  CHECK(sd.at("features.9.weight").shape() == Shape{16, 16, 3, 3});
  CHECK(sd.at("embed.0.weight").shape() == Shape{128, 16 * 7 * 7});
  CHECK(sd.at("classifier.weight").shape() == Shape{10, 128});
  CHECK(sd.count("features.1.running_var") == 1);
  CHECK(profile_input("fmnist_classifier", {}, 4, 64, 64) == Shape{4, 1, 28, 28});
  REQUIRE_THROWS_WITH(make_model("fmnist_classifier", {{"depth", "3"}}),
                      Contains("unknown option 'depth'") && Contains("width"));
  Generator gen(1);
  CHECK((*m)(rand({3, 1, 28, 28}, gen, DType::f32, -1, 1)).shape() == Shape{3, 10});
  REQUIRE_THROWS_WITH(net->features(zeros({2, 1, 32, 32})), Contains("(N, 1, 28, 28)"));

  // The conv taps, on any size; the last one is what the embedding reads.
  m->eval();
  const Tensor x = rand({2, 1, 28, 28}, gen, DType::f32, -1, 1);
  const std::vector<Tensor> taps = net->conv_taps(x);
  REQUIRE(taps.size() == 4);
  CHECK(taps[0].shape() == Shape{2, 8, 28, 28});
  CHECK(taps[1].shape() == Shape{2, 8, 14, 14});
  CHECK(taps[2].shape() == Shape{2, 16, 14, 14});
  CHECK(taps[3].shape() == Shape{2, 16, 7, 7});
  CHECK(net->conv_taps(zeros({1, 1, 32, 32}))[3].shape() == Shape{1, 16, 8, 8});
  nn::Module& embed = *m->submodule("embed");
  CHECK(test::max_abs_diff(embed(taps[3].flatten(1)), net->features(x)) == 0);
  REQUIRE_THROWS_WITH(net->conv_taps(zeros({1, 3, 32, 32})), Contains("(N, 1, H, W)"));
}

TEST_CASE("fmnist_eval: feature shapes, batching and input handling", "[fmnist_eval]") {
  FmnistEvaluator ev(random_classifier());
  Generator gen(2);
  const Tensor x = rand({23, 1, 28, 28}, gen, DType::f32, -1, 1);
  const Tensor f = ev.features(x);
  CHECK(f.shape() == Shape{23, FmnistClassifier::kFeatureDim});
  CHECK(ev.logits(x).shape() == Shape{23, FmnistClassifier::kNumClasses});
  CHECK(max(-f).item() <= 0);  // post-ReLU

  // Eval mode: a sample's features do not depend on the batch it is in.
  ev.batch_size = 5;
  CHECK(max_abs_diff(ev.features(x), f) < 1e-5);
  ev.batch_size = 500;
  CHECK(max_abs_diff(ev.features(x.slice(0, 7, 3)), f.slice(0, 7, 3)) < 1e-5);

  // f64 input, and three equal channels (gray as RGB), give the same features.
  CHECK(max_abs_diff(ev.features(x.to(DType::f64)), f) < 1e-5);
  CHECK(max_abs_diff(ev.features(concat({x, x, x}, 1)), f) < 1e-5);

  // Larger square images: the centre crop, as data::pad_to pads (top = (S - 28) / 2).
  Tensor padded = full({23, 1, 33, 33}, -1.0);
  padded.slice(2, 2, 28).slice(3, 2, 28).copy_(x);
  CHECK(max_abs_diff(FmnistEvaluator::to_classifier_input(padded), x) == 0);
  CHECK(max_abs_diff(ev.features(padded), f) == 0);

  // Other sizes: bilinear resize to 28x28, image by image.
  const Tensor small = rand({2, 1, 20, 24}, gen, DType::f32, -1, 1);
  const Tensor in = FmnistEvaluator::to_classifier_input(small);
  REQUIRE(in.shape() == Shape{2, 1, 28, 28});
  CHECK(max_abs_diff(in.slice(0, 1, 1).squeeze(0),
                     data::resize_bilinear(small.slice(0, 1, 1).squeeze(0), 28, 28)) == 0);

  REQUIRE_THROWS_WITH(ev.features(zeros({2, 2, 28, 28})), Contains("1 or 3 channels"));
  REQUIRE_THROWS_WITH(ev.features(zeros({28, 28})), Contains("(N, C, H, W)"));
}

TEST_CASE("fmnist_eval: weights files, with and without the G. prefix", "[fmnist_eval]") {
  auto net = random_classifier(4);
  Generator gen(3);
  const Tensor x = rand({6, 1, 28, 28}, gen, DType::f32, -1, 1);
  // Non-default BN statistics, so a file that lost them would give other features.
  for (auto& [name, t] : net->named_buffers())
    if (name.find("running_mean") != std::string::npos) t.fill_(0.1);
  FmnistEvaluator ref(net);
  const Tensor want = ref.features(x);

  const fs::path dir = fs::temp_directory_path() / "ganlite_fmnist_eval_test";
  fs::create_directories(dir);
  TensorMap plain = net->state_dict(), prefixed;
  for (auto& [k, v] : plain) prefixed["G." + k] = v;
  prefixed["D.something"] = zeros({1});  // other networks of a checkpoint are ignored
  save_safetensors((dir / "plain.safetensors").string(), plain);
  save_safetensors((dir / "prefixed.safetensors").string(), prefixed);
  for (const char* file : {"plain.safetensors", "prefixed.safetensors"}) {
    INFO(file);
    FmnistEvaluator ev((dir / file).string());
    CHECK(ev.network().width() == 4);
    CHECK(ev.weights_path() == (dir / file).string());
    CHECK(max_abs_diff(ev.features(x), want) == 0);
  }

  const std::string missing = (dir / "missing.safetensors").string();
  REQUIRE_THROWS_WITH(FmnistEvaluator(missing),
                      Contains(missing) && Contains("specs/fmnist_classifier.json"));
  const std::string garbage = (dir / "garbage.safetensors").string();
  std::ofstream(garbage) << "not a safetensors file";
  REQUIRE_THROWS_WITH(FmnistEvaluator(garbage),
                      Contains(garbage) && Contains("specs/fmnist_classifier.json"));
  const std::string other = (dir / "other.safetensors").string();
  save_safetensors(other, {{"G.main.0.weight", zeros({2, 2})}});
  REQUIRE_THROWS_WITH(FmnistEvaluator(other),
                      Contains(other) && Contains("no fmnist_classifier state_dict"));
  TensorMap broken = plain;
  broken.erase("classifier.bias");
  const std::string partial = (dir / "partial.safetensors").string();
  save_safetensors(partial, broken);
  REQUIRE_THROWS_WITH(FmnistEvaluator(partial), Contains(partial) && Contains("classifier.bias"));
  fs::remove_all(dir);

  CHECK(!FmnistEvaluator::default_weights_path().empty());
}

TEST_CASE("fmnist_eval: FD and KID on real Fashion-MNIST with random weights", "[fmnist_eval]") {
  if (skip_without_data()) return;
  FmnistEvaluator ev(random_classifier(16));
  const FmnistImages real = FmnistEvaluator::load_real(1000);
  REQUIRE(real.images.shape() == Shape{1000, 1, 28, 28});
  REQUIRE(real.labels.shape() == Shape{1000});
  CHECK(max(-real.images).item() <= 1);
  CHECK(max(real.images).item() <= 1);
  const Tensor a = real.images.slice(0, 0, 500), b = real.images.slice(0, 500, 500);
  Generator gen(4);
  const Tensor noise = rand({500, 1, 28, 28}, gen, DType::f32, -1, 1);

  const Tensor fa = ev.features(a);
  const FeatureStats sa = feature_stats(fa);
  double trace = 0;
  for (int64_t i = 0; i < sa.dim; ++i) trace += sa.cov[i * sa.dim + i];
  REQUIRE(trace > 0);
  const double self = ev.fd(a, a), real_real = ev.fd(a, b), real_noise = ev.fd(a, noise);
  CHECK(std::abs(self) < 1e-6 * trace);
  CHECK(real_real > 0);
  CHECK(real_real < 0.5 * real_noise);

  KidOptions ko;
  ko.subset_size = 200;
  ko.subsets = 20;
  Generator g1(5), g2(5);
  const KidResult kr = ev.kid(a, b, g1, ko), kn = ev.kid(a, noise, g2, ko);
  CHECK(kr.mean < kn.mean);
  CHECK(kn.mean > 0);

  // The 32x32 sets (padded by 2 px of background) crop back to the 28x28 images exactly, so
  // they give the same features (up to GEMM blocking: here 100 images per batch, above 500).
  const FmnistImages real32 = FmnistEvaluator::load_real(100, false, 32);
  REQUIRE(real32.images.shape() == Shape{100, 1, 32, 32});
  CHECK(max_abs_diff(FmnistEvaluator::to_classifier_input(real32.images),
                     real.images.slice(0, 0, 100)) == 0);
  CHECK(max_abs_diff(ev.features(real32.images), fa.slice(0, 0, 100)) < 1e-5);
  CHECK(max_abs_diff(real32.labels.to(DType::f64), real.labels.slice(0, 0, 100).to(DType::f64)) ==
        0);
}

TEST_CASE("fmnist_eval: class_accuracy is the arg-max hit rate", "[fmnist_eval]") {
  if (skip_without_data()) return;
  FmnistEvaluator ev(random_classifier());
  const FmnistImages real = FmnistEvaluator::load_real(300, true);
  REQUIRE(real.images.size(0) == 300);
  const std::vector<float> l = ev.logits(real.images).to_vector<float>();
  const std::vector<int64_t> y = real.labels.to_vector<int64_t>();
  int64_t hits = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    int64_t best = 0;
    for (int64_t k = 1; k < 10; ++k)
      if (l[i * 10 + k] > l[i * 10 + best]) best = k;
    hits += best == y[i];
  }
  CHECK(ev.class_accuracy(real.images, real.labels) == Approx(hits / 300.0).margin(1e-12));
  // Labels equal to the predictions: accuracy 1; shifted by one class: 0.
  std::vector<int64_t> pred(y.size()), wrong(y.size());
  for (size_t i = 0; i < y.size(); ++i) {
    pred[i] = std::max_element(l.begin() + i * 10, l.begin() + i * 10 + 10) - (l.begin() + i * 10);
    wrong[i] = (pred[i] + 1) % 10;
  }
  CHECK(ev.class_accuracy(real.images, from_vector<int64_t>(pred, {300})) == 1.0);
  CHECK(ev.class_accuracy(real.images, from_vector<int64_t>(wrong, {300})) == 0.0);
  REQUIRE_THROWS_WITH(ev.class_accuracy(real.images, real.labels.slice(0, 0, 10)),
                      Contains("labels (N)"));
}

TEST_CASE("fmnist_eval: any folder of images is measured as generated samples are",
          "[fmnist_eval]") {
  if (skip_without_data()) return;
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "ganlite_eval_folder";
  fs::remove_all(dir);
  fs::create_directories(dir / "a");
  fs::create_directories(dir / "rgb");
  const gan::FmnistImages real = gan::FmnistEvaluator::load_real(24, true);
  for (int64_t i = 0; i < 24; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "%03lld.png", (long long)i);
    save_png((dir / "a" / name).string(), real.images.slice(0, i, 1), 1, 0);
    save_png((dir / "rgb" / name).string(),
             concat(std::vector<Tensor>(3, real.images.slice(0, i, 1)), 1), 1, 0);
  }
  gan::EvalOptions o;
  o.num = 24;
  // Against themselves: the distances vanish and every pair matches.
  const auto same = gan::evaluate_folders((dir / "a").string(), (dir / "a").string(), o);
  CHECK(std::abs(same["fd_fmnist"].get<double>()) < 1e-3);
  CHECK(same["swd"].get<double>() == 0.0);
  CHECK(same["pairs"] == 24);
  CHECK(same["l1"].get<double>() == 0.0);
  CHECK(same["ssim"].get<double>() == Approx(1.0));
  // Against the test split (the default reference): a real distance, no pairs.
  const auto vs_test = gan::evaluate_folders((dir / "a").string(), "", o);
  CHECK(vs_test["real"] == "Fashion-MNIST test split");
  CHECK(vs_test["fd_fmnist"].get<double>() > 0);
  CHECK(vs_test["pairs"] == 0);
  CHECK_FALSE(vs_test.contains("psnr"));
  // Colour images: no default reference; against a folder, SWD and pairs but no FD-FMNIST.
  CHECK_THROWS_WITH(gan::evaluate_folders((dir / "rgb").string(), "", o),
                    Catch::Contains("colour images need --real DIR"));
  const auto rgb = gan::evaluate_folders((dir / "rgb").string(), (dir / "rgb").string(), o);
  CHECK_FALSE(rgb.contains("fd_fmnist"));
  CHECK(rgb["pairs"] == 24);
  CHECK_THROWS_WITH(gan::evaluate_folders((dir / "none").string(), "", o),
                    Catch::Contains("no such folder of images"));
}
