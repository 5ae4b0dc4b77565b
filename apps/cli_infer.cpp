// ganlite infer: generate images from a checkpoint (noise -> image models) or translate images
// (image -> image models).
#include <cstdio>
#include <filesystem>

#include "apps/cli.h"
#include "engine/autograd.h"
#include "engine/backend.h"
#include "engine/files.h"
#include "engine/grid.h"
#include "engine/image.h"
#include "engine/ops.h"
#include "gan/eval/translate.h"
#include "gan/train/spec.h"
#include "gan/train/task.h"
#include "gan/train/trainer.h"
#include "nn/cond_bn.h"
#include "nn/data/fashion.h"
#include "nn/data/image_folder.h"
#include "nn/slim.h"

namespace ganlite::cli {
namespace {

namespace fs = std::filesystem;

void print_infer_help() {
  std::printf(
      "usage: ganlite infer CHECKPOINT|RUN_DIR --output DIR [--num N] [--class K] [--seed S]\n"
      "                     [--width W]\n"
      "       ganlite infer CHECKPOINT|RUN_DIR --input PATH --output DIR [--direction "
      "AtoB|BtoA]\n"
      "       ganlite infer --model NAME [--set key=value]... --weights FILE [--prefix P]\n"
      "                     (--input PATH | --num N) --output DIR\n\n"
      "  noise -> image models (DCGAN, SNGAN, StyleGAN2): N samples (default 64) as\n"
      "  DIR/sample_NNNN.png plus DIR/grid.png; --class K for a class-conditional G (default:\n"
      "  classes in turn); --seed S picks the latents (default 0).\n"
      "  image -> image models (CycleGAN, pix2pix): every image of PATH (a file or a folder) as\n"
      "  DIR/<name>.png, of the input's size, and a results page DIR/index.html (input,\n"
      "  output, reconstruction for CycleGAN, target for A|B pairs); an image that cannot be\n"
      "  read is named and skipped (exit 1 at the end). A pix2pix run on aligned folders takes\n"
      "  A|B images and splits them (--single: whole images as input).\n"
      "  --test N          instead of --input: the first N examples of the run's own test\n"
      "                    data (Fashion-MNIST tasks too), written to DIR/test_inputs (paired:\n"
      "                    as A|B, so that the results page shows the target)\n"
      "  --direction D     AtoB or BtoA: CycleGAN's second generator; for A|B inputs, which\n"
      "                    half is the input (default: the run's data.direction)\n"
      "  --device D        cpu (default) or cuda\n"
      "  --net NAME       the network to run (default: the run's deploy network, G unless its\n"
      "                   technique names another; --direction BtoA is --net G2)\n"
      "  --width W        run a slimmable generator at width multiplier W\n"
      "  --model NAME     instead of a checkpoint: a registry model (options by --set, as\n"
      "                   `ganlite profile` takes them) with the weights of --weights FILE, a\n"
      "                   plain state_dict safetensors file such as PyTorch writes\n"
      "                   (docs/checkpoints.md); --prefix P takes the tensors named P...\n");
}

// N samples of a noise -> image G from latents of `latent` shape (N first), as
// DIR/sample_NNNN.png and DIR/grid.png; classes in turn, or class K, for a conditional G.
int generate(nn::Module& G, const Shape& latent, int64_t klass, int64_t seed,
             const std::string& output, Device device) {
  NoGradGuard ng;
  const int64_t num = latent[0];
  const int64_t classes = gan::conditional_classes(G);
  Generator gen(static_cast<uint64_t>(seed));
  const Tensor z = randn(latent, gen, DType::f32, device);
  if (classes > 0) {
    if (klass >= classes)
      throw UsageError("--class expects a class in [0, " + std::to_string(classes) + ")");
    std::vector<int64_t> y(num);
    for (int64_t i = 0; i < num; ++i) y[i] = klass >= 0 ? klass : i % classes;
    nn::set_labels(G, from_vector(y, {num}).to(device));
  } else if (klass >= 0) {
    throw UsageError("--class needs a class-conditional generator");
  }
  make_directories(output, "--output");
  const Tensor images = G(z).cpu();
  char name[64];
  for (int64_t i = 0; i < num; ++i) {
    std::snprintf(name, sizeof name, "sample_%04lld.png", (long long)i);
    save_png((fs::path(output) / name).string(), images.slice(0, i, 1), 1, 0);
  }
  // The grid: classes in turn along each row (labelled when they are Fashion-MNIST's), or 8
  // per row.
  const int64_t cols = classes > 0 && klass < 0 ? classes : 8;
  std::vector<Tensor> rows;
  for (int64_t i = 0; i < num; i += cols)
    rows.push_back(images.slice(0, i, std::min(cols, num - i)));
  std::vector<std::string> columns;
  if (classes == 10 && klass < 0)
    for (int64_t k = 0; k < 10; ++k) columns.push_back(data::kFashionClasses[k]);
  save_labelled_grid((fs::path(output) / "grid.png").string(), rows, {}, columns,
                     grid_scale(images.size(2)));
  std::printf("%lld samples in %s (grid.png)\n", (long long)num, output.c_str());
  return 0;
}

// Every image of `input` through G (gan/eval/translate.h); the skipped ones named, exit 1 then.
int translate(nn::Module& G, const gan::TranslateOptions& o, const std::string& input,
              const std::string& output) {
  const gan::TranslateResult r = gan::translate_images(G, input, output, o);
  for (const auto& [file, why] : r.failed)
    std::fprintf(stderr, "ganlite: infer: skipped %s: %s\n", file.c_str(), why.c_str());
  std::printf(
      "%lld images translated into %s (results page: %s/index.html)%s\n", (long long)r.translated,
      output.c_str(), output.c_str(),
      r.failed.empty() ? "" : (", " + std::to_string(r.failed.size()) + " skipped").c_str());
  return r.failed.empty() ? 0 : 1;
}

// --test N: the first n examples of the run's own test data written as the input images of a
// translation (paired: A|B, so that the results page shows the target); returns the folder.
std::string write_test_inputs(const nlohmann::json& spec, int64_t n, bool pairs,
                              const std::string& output) {
  auto ds = gan::make_dataset(spec, true);
  const fs::path dir = fs::path(output) / "test_inputs";
  make_directories(dir.string(), "--output");
  char name[32];
  for (int64_t i = 0; i < std::min(n, ds->size()); ++i) {
    const data::Example e = ds->get(i);
    std::snprintf(name, sizeof name, "test_%04lld.png", (long long)i);
    save_png((dir / name).string(), pairs ? concat({e.a, e.b}, 2) : e.a, 1, 0);
  }
  return dir.string();
}

// The device G runs on: --device, checked.
Device device_of(const std::string& name) {
  if (name.empty() || name == "cpu") return Device::cpu;
  if (name != "cuda") throw UsageError("--device expects cpu or cuda, got '" + name + "'");
  std::string why;
  if (!cuda_available(&why)) throw Error("--device cuda: " + why);
  return Device::cuda;
}

// --model NAME --weights FILE: a plain state_dict (PyTorch's) in a registry model.
int infer_plain(const ModelArgs& m, const std::string& input, const std::string& output,
                int64_t num, int64_t klass, int64_t seed, Device device) {
  nn::ModulePtr G = m.build();
  G->to(device);
  const Shape in = gan::profile_input(m.model, m.options, num, 8, 8);
  const bool noise = in.size() == 2 || (in.size() == 4 && in[2] == 1 && in[3] == 1);
  if (noise) {
    if (!input.empty())
      throw UsageError("infer: " + m.model +
                       " generates from noise: use --num/--class, not --input");
    return generate(*G, in, klass, seed, output, device);
  }
  if (input.empty())
    throw UsageError("infer: " + m.model + " translates images: give --input PATH");
  gan::TranslateOptions o;
  o.channels = in[1];
  o.multiple = gan::input_multiple(m.model, m.options);
  o.device = device;
  return translate(*G, o, input, output);
}

int cmd_infer(const std::vector<std::string>& args) {
  std::string ckpt_path, input, output, direction, net, device_name;
  bool single = false;
  ModelArgs model;
  int64_t num = 64, klass = -1, seed = 0, test = 0;
  double width = 0;
  ArgReader r(args);
  while (!r.done()) {
    const std::string a = r.next();
    if (a == "--help" || a == "-h") {
      print_infer_help();
      return 0;
    } else if (a == "--input") {
      input = r.value(a);
    } else if (a == "--output") {
      output = r.value(a);
    } else if (a == "--num") {
      num = parse_positive(a, r.value(a));
    } else if (a == "--class") {
      klass = parse_nonnegative(a, r.value(a));
    } else if (a == "--seed") {
      seed = parse_nonnegative(a, r.value(a));
    } else if (a == "--width") {
      width = parse_number(a, r.value(a));
      if (!(width > 0 && width <= 1)) throw UsageError("--width expects a number in (0, 1]");
    } else if (a == "--net") {
      net = r.value(a);
    } else if (a == "--device") {
      device_name = r.value(a);
    } else if (a == "--test") {
      test = parse_positive(a, r.value(a));
    } else if (a == "--single") {
      single = true;
    } else if (a == "--direction") {
      direction = r.value(a);
      if (direction != "AtoB" && direction != "BtoA")
        throw UsageError("--direction expects AtoB or BtoA, got " + direction);
    } else if ((a == "--model" || a == "--set" || a == "--weights" || a == "--prefix") &&
               model.take(a, r)) {
      continue;
    } else if (!a.empty() && a[0] != '-' && ckpt_path.empty()) {
      ckpt_path = a;
    } else {
      throw UsageError("infer: unexpected argument " + a + " (see ganlite infer --help)");
    }
  }
  if (output.empty()) throw UsageError("infer: --output DIR is required");
  if (!model.model.empty()) {
    if (!ckpt_path.empty())
      throw UsageError("infer: give a CHECKPOINT or RUN_DIR, or --model with --weights, not both");
    if (model.weights.empty())
      throw UsageError("infer: --model " + model.model + " needs --weights FILE (its state_dict)");
    return infer_plain(model, input, output, num, klass, seed, device_of(device_name));
  }
  if (!model.weights.empty() || !model.options.empty())
    throw UsageError("infer: --weights and --set go with --model NAME (a checkpoint has both)");
  if (ckpt_path.empty()) throw UsageError("infer: CHECKPOINT or RUN_DIR is required");

  const gan::RunCheckpoint c = gan::load_run_checkpoint(ckpt_path);
  const gan::TaskKind task = gan::task_kind(c.spec);
  if (task == gan::TaskKind::classifier)
    throw UsageError("infer: " + ckpt_path + " is a classifier; use ganlite eval");
  const bool translating = task != gan::TaskKind::generation;
  if (test > 0) {
    if (!translating)
      throw UsageError(
          "infer: --test takes test images of a translation run; this one generates "
          "from noise (use --num)");
    if (!input.empty()) throw UsageError("infer: give --input PATH or --test N, not both");
    if (direction == "BtoA")
      throw UsageError(
          "infer: --test writes the run's test inputs as it trains on them (A -> B); "
          "--direction BtoA takes --input PATH");
    direction = "AtoB";
    input = write_test_inputs(c.spec, test, task == gan::TaskKind::paired, output);
  }
  if (translating && input.empty())
    throw UsageError("infer: this checkpoint translates images (" +
                     std::string(gan::task_kind_name(task)) + "): give --input PATH");
  if (!translating && !input.empty())
    throw UsageError("infer: this checkpoint generates from noise: use --num/--class, not --input");
  // Aligned A|B inputs (a pix2pix run on aligned folders, as test.py reads them): the half the
  // model was trained on is the input, --direction (default: the spec's) says which.
  const bool aligned = task == gan::TaskKind::paired && !single &&
                       (c.spec["data"]["dataset"] == "aligned_folder" || test > 0);
  if (direction.empty())
    direction = aligned ? c.spec["data"]["direction"].get<std::string>() : "AtoB";
  if (direction == "BtoA" && !aligned) {
    if (task != gan::TaskKind::unpaired)
      throw UsageError(
          "infer: --direction BtoA needs an unpaired (CycleGAN) checkpoint, or "
          "aligned A|B inputs of a pix2pix run");
    if (!net.empty() && net != "G2")
      throw UsageError("infer: --direction BtoA runs G2; it cannot be combined with --net " + net);
    net = "G2";
  }
  if (net.empty()) net = gan::deploy_network(c);
  const Device device = device_of(device_name);
  nn::ModulePtr G = gan::load_network(c, net);
  G->to(device);
  if (width > 0) {
    if (!nn::is_slimmable(*G))
      throw UsageError("infer: --width needs a slimmable generator; network '" + net + "' (" +
                       gan::network_model(c, net)["name"].get<std::string>() + ") is not");
    nn::set_width_mult(*G, width);
  }

  if (!translating)
    return generate(*G, gan::latent_shape(c.spec, num), klass, seed, output, device);
  const nlohmann::json described = gan::network_model(c, net);
  const gan::Options opts = gan::model_options(described["options"]);
  gan::TranslateOptions o;
  auto nc = opts.find("input_nc");
  o.channels = nc != opts.end() && nc->second == "1" ? 1 : 3;
  o.multiple = gan::input_multiple(described["name"], opts);
  o.aligned = aligned;
  o.b_to_a = aligned && direction == "BtoA";
  o.device = device;
  // CycleGAN: the other direction's generator gives the reconstruction column.
  nn::ModulePtr back;
  if (task == gan::TaskKind::unpaired && (net == "G" || net == "G2")) {
    back = gan::load_network(c, net == "G" ? "G2" : "G");
    back->to(device);
    if (width > 0) nn::set_width_mult(*back, width);
    o.back = back.get();
  }
  return translate(*G, o, input, output);
}

const RegisterCommand reg{
    {"infer",
     "infer CHECKPOINT|RUN_DIR --output DIR [--num N --class K | --input PATH] [--net NAME]\n"
     "        [--width W]; infer --model NAME --weights FILE ... (a PyTorch state_dict)\n"
     "        generate or translate images with a trained generator",
     cmd_infer}};

}  // namespace
}  // namespace ganlite::cli
