#include "gan/eval/evaluate.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <tuple>
#include <utility>

#include "engine/autograd.h"
#include "engine/image.h"
#include "engine/ops.h"
#include "gan/eval/fmnist_eval.h"
#include "gan/eval/metrics.h"
#include "gan/eval/swd.h"
#include "gan/train/task.h"
#include "nn/cond_bn.h"
#include "nn/data/image_folder.h"
#include "nn/slim.h"

namespace ganlite::gan {
namespace {

using nlohmann::ordered_json;

constexpr int64_t kBatch = 250;

// net over x in batches, without gradients.
Tensor forward_batches(nn::Module& net, const Tensor& x) {
  NoGradGuard ng;
  std::vector<Tensor> out;
  for (int64_t i = 0; i < x.size(0); i += kBatch)
    out.push_back(net(x.slice(0, i, std::min(kBatch, x.size(0) - i))));
  return concat(out, 0);
}

nn::ModulePtr network(const RunCheckpoint& c, const std::string& which, double width) {
  nn::ModulePtr net = load_network(c, which);
  if (width > 0) {
    if (!nn::is_slimmable(*net))
      throw Error(
          "width " + std::to_string(width) + " asked for, but network '" +
          (which.empty() ? deploy_network(c) : which) + "' (" +
          network_model(c, which.empty() ? deploy_network(c) : which)["name"].get<std::string>() +
          ") is not slimmable");
    nn::set_width_mult(*net, width);
  }
  return net;
}

bool fashion(const nlohmann::json& spec) {
  return spec["data"]["dataset"].get<std::string>().rfind("fashion_", 0) == 0;
}
bool fashion(const RunCheckpoint& c) {
  return fashion(c.spec);
}

int64_t image_side(const nlohmann::json& spec) {
  return spec["data"]["image_size"];
}
int64_t image_side(const RunCheckpoint& c) {
  return image_side(c.spec);
}

// The test images of the given classes, at most n.
Tensor of_classes(const FmnistImages& all, const std::vector<int64_t>& classes, int64_t n) {
  std::vector<int64_t> idx;
  const std::vector<int64_t> y = all.labels.to_vector<int64_t>();
  for (size_t i = 0; i < y.size() && static_cast<int64_t>(idx.size()) < n; ++i)
    if (std::find(classes.begin(), classes.end(), y[i]) != classes.end()) idx.push_back(i);
  return index_select(all.images, 0, from_vector(idx, {static_cast<int64_t>(idx.size())}));
}

double swd_1e3(const Tensor& a, const Tensor& b, Generator& gen) {
  return 1e3 * sliced_wasserstein(a, b, gen).mean;
}

// The first n examples of the test split (or the training data) as stacked (a, b) batches.
std::pair<Tensor, Tensor> first_pairs(const nlohmann::json& spec, int64_t n, bool test = true) {
  auto ds = make_dataset(spec, test);
  std::vector<Tensor> a, b;
  for (int64_t i = 0; i < std::min(n, ds->size()); ++i) {
    data::Example e = ds->get(i);
    a.push_back(e.a);
    b.push_back(e.b);
  }
  return {stack(a, 0), stack(b, 0)};
}

void eval_generation(const RunCheckpoint& c, const EvalOptions& o, ordered_json& out) {
  nn::ModulePtr G = network(c, o.net, o.width);
  evaluate_generator(c.spec, *G, o, out);
}

void eval_unpaired(const RunCheckpoint& c, const EvalOptions& o, ordered_json& out) {
  const std::string a_to_b = o.net.empty() ? deploy_network(c) : o.net;
  nn::ModulePtr G = network(c, a_to_b, o.width);
  // G_B -> A is the run's G2 beside its own G; another network translates one way only.
  nn::ModulePtr G2 = a_to_b == "G" ? network(c, "G2", o.width) : nullptr;
  Tensor A, B;
  if (fashion(c)) {
    const FmnistImages all = FmnistEvaluator::load_real(0, false, image_side(c));
    A = of_classes(all, c.spec["data"]["classes_a"].get<std::vector<int64_t>>(), o.num);
    B = of_classes(all, c.spec["data"]["classes_b"].get<std::vector<int64_t>>(), o.num);
  } else {
    std::tie(A, B) = first_pairs(c.spec, o.num);
  }
  const Tensor fake_B = forward_batches(*G, A);
  const Tensor fake_A = G2 ? forward_batches(*G2, B) : Tensor();
  out["num_A"] = A.size(0);
  out["num_B"] = B.size(0);
  if (fashion(c)) {
    FmnistEvaluator ev(o.weights);
    out["fd_fmnist_AtoB"] = ev.fd(fake_B, B);
    if (G2) out["fd_fmnist_BtoA"] = ev.fd(fake_A, A);
  }
  Generator swd_gen(o.seed + 2);
  out["swd_AtoB"] = swd_1e3(fake_B, B, swd_gen);
  if (G2) out["swd_BtoA"] = swd_1e3(fake_A, A, swd_gen);
}

void eval_paired(const RunCheckpoint& c, const EvalOptions& o, ordered_json& out) {
  nn::ModulePtr G = network(c, o.net, o.width);
  const auto [A, B] = first_pairs(c.spec, o.num);
  const Tensor fake = forward_batches(*G, A);
  out["num"] = A.size(0);
  out["l1"] = l1_distance(fake, B);
  out["psnr"] = psnr(fake, B);
  out["ssim"] = ssim(fake, B);
  if (fashion(c)) out["fd_fmnist"] = FmnistEvaluator(o.weights).fd(fake, B);
}

void eval_classifier(const RunCheckpoint& c, const EvalOptions& o, ordered_json& out) {
  nn::ModulePtr net = network(c, o.net, 0);
  const FmnistImages test = FmnistEvaluator::load_real(0, false, image_side(c));
  const Tensor logits = forward_batches(*net, test.images);
  const std::vector<float> l = logits.contiguous().to_vector<float>();
  const std::vector<int64_t> y = test.labels.to_vector<int64_t>();
  const int64_t k = logits.size(1);
  int64_t correct = 0;
  for (size_t i = 0; i < y.size(); ++i)
    correct +=
        std::max_element(l.data() + i * k, l.data() + (i + 1) * k) - (l.data() + i * k) == y[i];
  out["num"] = static_cast<int64_t>(y.size());
  out["accuracy"] = static_cast<double>(correct) / y.size();
}

struct Folder {
  std::vector<std::string> files;
  std::vector<Tensor> images;  // (1, C, H, W) each
  bool gray = true;
};

Folder read_folder(const std::string& dir, int64_t num) {
  std::error_code ec;
  GANLITE_CHECK(std::filesystem::is_directory(dir, ec), dir, ": no such folder of images");
  Folder f;
  f.files = data::list_images(dir);
  if (static_cast<int64_t>(f.files.size()) > num) f.files.resize(num);
  GANLITE_CHECK(f.files.size() >= 2, dir, ": ", f.files.size(),
                " PNG/JPEG image(s); the metrics need at least 2");
  for (const auto& file : f.files) f.gray = f.gray && read_image_info(file).channels <= 2;
  for (const auto& file : f.files)
    f.images.push_back(read_image(file, f.gray ? 1 : 3).unsqueeze(0));
  return f;
}

bool one_size(const std::vector<Tensor>& images) {
  for (const Tensor& t : images)
    if (t.shape() != images.front().shape()) return false;
  return true;
}

// (N, 1, 28, 28): each image as the classifier takes it, whatever its size.
Tensor classifier_inputs(const std::vector<Tensor>& images) {
  std::vector<Tensor> out;
  for (const Tensor& t : images) out.push_back(FmnistEvaluator::to_classifier_input(t));
  return concat(out, 0);
}

}  // namespace

ordered_json evaluate_folders(const std::string& fake_dir, const std::string& real_dir,
                              const EvalOptions& o) {
  GANLITE_CHECK(o.num >= 2, "evaluate: num must be >= 2, got ", o.num);
  const Folder fake = read_folder(fake_dir, o.num);
  ordered_json out;
  out["fake"] = fake_dir;
  Folder real;
  if (real_dir.empty()) {
    GANLITE_CHECK(fake.gray, fake_dir,
                  ": colour images need --real DIR (the default reference, "
                  "Fashion-MNIST, is grayscale)");
    const Tensor r = FmnistEvaluator::load_real(o.num, false).images;
    for (int64_t i = 0; i < r.size(0); ++i) real.images.push_back(r.slice(0, i, 1));
    out["real"] = "Fashion-MNIST test split";
  } else {
    real = read_folder(real_dir, o.num);
    out["real"] = real_dir;
  }
  out["num_fake"] = static_cast<int64_t>(fake.images.size());
  out["num_real"] = static_cast<int64_t>(real.images.size());
  if (fake.gray && real.gray) {
    FmnistEvaluator ev(o.weights);
    const Tensor f = classifier_inputs(fake.images), r = classifier_inputs(real.images);
    out["fd_fmnist"] = ev.fd(f, r);
    Generator kid_gen(o.seed + 1);
    const int64_t n = std::min(f.size(0), r.size(0));
    const KidResult kid = ev.kid(f, r, kid_gen, {std::min<int64_t>(1000, n), 50});
    out["kid_fmnist"] = kid.mean;
    out["kid_fmnist_std"] = kid.std;
  }
  std::vector<Tensor> both = fake.images;
  both.insert(both.end(), real.images.begin(), real.images.end());
  if (one_size(both)) {
    Generator swd_gen(o.seed + 2);
    out["swd"] = swd_1e3(concat(fake.images, 0), concat(real.images, 0), swd_gen);
  }
  // Pairs: the same file stem in both folders, the same size; each metric averaged over pairs.
  int64_t pairs = 0, windowed = 0;
  double l1 = 0, db = 0, structural = 0;
  for (size_t i = 0; i < fake.files.size(); ++i)
    for (size_t j = 0; j < real.files.size(); ++j) {
      const Tensor &a = fake.images[i], &b = real.images[j];
      if (std::filesystem::path(fake.files[i]).stem() !=
              std::filesystem::path(real.files[j]).stem() ||
          a.shape() != b.shape())
        continue;
      ++pairs;
      l1 += l1_distance(a, b);
      db += psnr(a, b);
      if (a.size(2) >= 11 && a.size(3) >= 11) {
        structural += ssim(a, b);
        ++windowed;
      }
    }
  out["pairs"] = pairs;
  if (pairs > 0) {
    out["l1"] = l1 / pairs;
    out["psnr"] = db / pairs;
    if (windowed > 0) out["ssim"] = structural / windowed;
  }
  return out;
}

void evaluate_generator(const nlohmann::json& spec, nn::Module& G, const EvalOptions& o,
                        ordered_json& out) {
  const int64_t classes = conditional_classes(G);
  Generator gen(o.seed);
  std::vector<Tensor> fakes;
  std::vector<int64_t> labels;
  {
    NoGradGuard ng;
    for (int64_t i = 0; i < o.num; i += kBatch) {
      const int64_t b = std::min(kBatch, o.num - i);
      const Tensor z = randn(latent_shape(spec, b), gen);
      if (classes > 0) {
        std::vector<int64_t> y(b);
        for (int64_t j = 0; j < b; ++j) y[j] = (i + j) % classes;
        labels.insert(labels.end(), y.begin(), y.end());
        nn::set_labels(G, from_vector(y, {b}));
      }
      fakes.push_back(G(z));
    }
  }
  const Tensor fake = concat(fakes, 0);
  if (!fashion(spec)) {
    out["note"] = "FD-FMNIST needs a Fashion-MNIST run; none computed";
    return;
  }
  FmnistEvaluator ev(o.weights);
  const Tensor real = FmnistEvaluator::load_real(o.num, false, image_side(spec)).images;
  out["fd_fmnist"] = ev.fd(fake, real);
  Generator kid_gen(o.seed + 1);
  const KidResult kid = ev.kid(fake, real, kid_gen, {std::min<int64_t>(1000, o.num), 50});
  out["kid_fmnist"] = kid.mean;
  out["kid_fmnist_std"] = kid.std;
  if (classes > 0) out["class_accuracy"] = ev.class_accuracy(fake, from_vector(labels, {o.num}));
  Generator swd_gen(o.seed + 2);
  out["swd"] = swd_1e3(fake, real, swd_gen);
  if (o.floor)
    out["fd_fmnist_floor"] =
        ev.fd(FmnistEvaluator::load_real(o.num, true, image_side(spec)).images, real);
}

ordered_json evaluate(const RunCheckpoint& c, const EvalOptions& o) {
  GANLITE_CHECK(o.num >= 2, "evaluate: num must be >= 2, got ", o.num);
  ordered_json out;
  const TaskKind task = task_kind(c.spec);
  out["task"] = task_kind_name(task);
  out["step"] = c.step;
  out["network"] = o.net.empty() ? deploy_network(c) : o.net;
  if (o.width > 0) out["width"] = o.width;
  switch (task) {
    case TaskKind::generation:
      out["num"] = o.num;
      eval_generation(c, o, out);
      break;
    case TaskKind::unpaired:
      eval_unpaired(c, o, out);
      break;
    case TaskKind::paired:
      eval_paired(c, o, out);
      break;
    case TaskKind::classifier:
      eval_classifier(c, o, out);
      break;
  }
  return out;
}

TranslationScore translation_score(const nlohmann::json& spec, nn::Module& G, int64_t n) {
  const auto [A, B] = first_pairs(spec, n, false);
  const bool was_training = G.is_training();
  G.eval();
  const Tensor fake = forward_batches(G, A);
  G.train(was_training);
  if (fashion(spec)) return {"fd_fmnist", FmnistEvaluator().fd(fake, B)};
  Generator swd_gen(2);
  return {"swd", swd_1e3(fake, B, swd_gen)};
}

double forward_latency_ms(nn::Module& net, const Tensor& input, int reps, int warmup) {
  NoGradGuard ng;
  for (int i = 0; i < warmup; ++i) net(input);
  std::vector<double> ms;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    net(input);
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

}  // namespace ganlite::gan
