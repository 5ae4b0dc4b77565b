#include "gan/train/run.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

#include "engine/backend.h"
#include "engine/ops.h"
#include "gan/train/spec.h"
#include "gan/train/technique.h"
#include "kernels/cpu/allocator.h"
#include "nn/schedule.h"
#include "nn/scope.h"

namespace ganlite::gan {
namespace {

using nlohmann::json;

// make_model of model.<role>, its errors at the field to change.
nn::ModulePtr build(const json& spec, const char* role) {
  const std::string at = std::string("/model/") + role + "/options";
  try {
    return make_model(spec["model"][role]["name"].get<std::string>(),
                      spec_model_options(spec, role));
  } catch (const OptionError& e) {
    throw SpecError(at + "/" + e.key + ": " + without_location(e));
  } catch (const Error& e) {
    throw SpecError(at + ": " + without_location(e));
  }
}

json model_of(const json& spec, const char* which) {
  const json& m = spec["model"][which];
  return {{"name", m["name"]}, {"options", m["options"]}};
}

}  // namespace

bool valid_network_name(const std::string& s) {
  return !s.empty() && !std::isdigit(static_cast<unsigned char>(s[0])) &&
         std::all_of(
             s.begin(), s.end(),
             [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }) &&
         s.rfind("opt_", 0) != 0 && s.rfind("pool_", 0) != 0 && s != "technique" &&
         s != "regularizers";
}

Run::Run(json resolved_spec, Options options)
    : spec(std::move(resolved_spec)), options_(std::move(options)) {
  task = task_kind(spec);
  mode = parse_gan_mode(spec["losses"]["gan_mode"]);
  const uint64_t seed = spec["seed"];
  if (spec["device"] == "cuda") {
    std::string why;
    if (!cuda_available(&why))
      throw SpecError("/device: \"cuda\" is not available: " + why +
                      "; to run on the CPU instead: --device cpu (ganlite train), or --set "
                      "device=cpu");
    device = Device::cuda;
  }
  manual_seed(seed);
  // A stream of its own for latents and pool choices, apart from initialisation's.
  gen = Generator(seed ^ 0x6a09e667f3bcc909ULL);
  // Built in this order (G, G2, D, D2), so that each draws the same initialisation as always.
  const std::string g_name = spec["model"]["G"]["name"];
  const bool unpaired = task == TaskKind::unpaired, adversarial = task != TaskKind::classifier;
  nn::ModulePtr G = build(spec, "G");
  nn::ModulePtr G2 = unpaired ? build(spec, "G") : nullptr;
  nn::ModulePtr D, D2;
  if (adversarial) {
    D = build(spec, "D");
    if (unpaired) D2 = build(spec, "D");
  }
  add_trainable("G", G, "G", model_of(spec, "G"));
  if (G2) add_trainable("G2", G2, "G", model_of(spec, "G"));
  if (D) add_trainable("D", D, "D", model_of(spec, "D"));
  if (D2) add_trainable("D2", D2, "D", model_of(spec, "D"));
  for (const char* role : {"G", "D"}) {
    const std::string pointer = std::string("/model/") + role + "/init_from";
    if (!adversarial && role[0] == 'D') continue;
    const json& ref = spec["model"][role]["init_from"];
    if (unpaired && !ref.is_null() && ref.contains("net"))
      throw SpecError(pointer + "/net: an unpaired run starts " + role + " and " + role +
                      "2 from the source's networks of the same names; leave \"net\" out");
    init_from(role, pointer, role);
    if (unpaired) init_from(std::string(role) + "2", pointer, std::string(role) + "2");
  }
  if (unpaired) {
    add_pool("D");
    add_pool("D2");
  }
  if (const json& tn = spec["technique"]["name"]; tn.is_string())
    if (const TechniqueInfo* info = find_technique(tn.get<std::string>()))
      for (const SpecField& f : info->params)
        if (f.kind == FieldKind::net_ref && !f.teacher.empty()) {
          const std::string pointer =
              f.pointer[0] == '/' ? f.pointer : "/technique/params/" + f.pointer;
          if (!spec.at(json::json_pointer(pointer)).is_null()) add_teacher(f.teacher, pointer);
        }
  if (task == TaskKind::generation) {
    const Shape in = latent_shape(1);
    const bool noise_input = in.size() == 2 || (in.size() == 4 && in[2] == 1 && in[3] == 1);
    if (!noise_input)
      throw SpecError("/model/G/name: \"" + g_name + "\" maps images to images (input " +
                      shape_str(in) + "); dataset \"" + spec["data"]["dataset"].get<std::string>() +
                      "\" trains a generator from noise (dcgan_generator, sngan_generator, "
                      "stylegan2_generator, ...)");
    if (conditional_classes(*G) > 0) {
      if (spec["data"]["dataset"] != "fashion_mnist")
        throw SpecError("/data/dataset: the class-conditional \"" + g_name +
                        "\" needs labels; use fashion_mnist");
      num_classes = conditional_classes(*G);
      if (num_classes != 10)
        throw SpecError("/model/G/options/num_classes: Fashion-MNIST has 10 classes, got " +
                        std::to_string(num_classes));
    }
  }
  batch_size = spec["data"]["batch_size"];
  if (spec["losses"]["pl_weight"].get<double>() > 0) pl_mean = zeros({}, DType::f32, device);
}

namespace {

// A network the run keeps without training it (an average, a snapshot, a teacher): on the run's
// device, no gradient into its weights, eval mode.
void freeze_on(nn::Module& m, Device device) {
  m.to(device);
  m.requires_grad_(false);
  m.eval();
}

}  // namespace

void Run::add_ema() {
  const json& e = spec["ema"];
  const double half_life = e["half_life_kimg"], decay = e["decay"];
  if (half_life <= 0 && decay <= 0) return;
  Network& of = net(deploy);
  if (of.model.is_null())
    throw SpecError("/ema: the deploy network '" + deploy +
                    "' has no model description to build its average from");
  auto n = std::make_unique<Network>();
  n->name = deploy + "_ema";
  n->model = of.model;
  n->averages = deploy;
  n->module = make_described_model(of.model);
  freeze_on(*n->module, device);
  // decay^(images per step) = 1/2 after 1000 * half_life images.
  const double per_step = half_life > 0 ? std::pow(0.5, batch_size / (1000.0 * half_life)) : decay;
  n->ema = std::make_unique<nn::Ema>(*of.module, *n->module, per_step);
  deploy = add(std::move(n)).name;
}

Network& Run::add_snapshot(const std::string& name, nn::ModulePtr module, json model) {
  GANLITE_CHECK(module, "Run::add_snapshot: network '", name, "' is null");
  auto n = std::make_unique<Network>();
  n->name = name;
  n->model = std::move(model);
  n->snapshot = true;
  n->module = std::move(module);
  freeze_on(*n->module, device);
  return add(std::move(n));
}

void Run::update_averages() {
  const int64_t start = spec["ema"]["start_step"];
  for (auto& n : networks_)
    if (n->ema) n->ema->update(step <= start ? 0.0 : n->ema->decay());
}

Network& Run::add(std::unique_ptr<Network> n) {
  GANLITE_CHECK(valid_network_name(n->name), "Run: network name '", n->name,
                "' must be an identifier not starting with opt_ or pool_");
  GANLITE_CHECK(!find(n->name), "Run: a network '", n->name, "' exists already");
  networks_.push_back(std::move(n));
  return *networks_.back();
}

void Run::make_optimizer(Network& n) {
  const json& o = spec["optim"][n.optim];
  const double lr = o["lr"];
  if (o["type"] == "sgd")
    n.opt = std::make_unique<nn::SGD>(n.params, lr, o["momentum"]);
  else
    n.opt = std::make_unique<nn::Adam>(n.params, lr, o["beta1"], o["beta2"]);
}

Network& Run::add_trainable(const std::string& name, nn::ModulePtr module, const std::string& optim,
                            json model, std::vector<Tensor> params, const std::string& steps_with) {
  GANLITE_CHECK(module, "Run::add_trainable: network '", name, "' is null");
  GANLITE_CHECK(spec["optim"].contains(optim), "Run::add_trainable: no optimizer section /optim/",
                optim, " for network '", name,
                "' (a technique declares the networks it trains: TechniqueInfo::networks)");
  auto n = std::make_unique<Network>();
  n->name = name;
  // Before the optimizer, whose moments are made beside the parameters.
  module->to(device);
  module->train();
  n->module = std::move(module);
  n->model = std::move(model);
  n->optim = optim;
  n->params = params.empty() ? n->module->parameters() : std::move(params);
  if (!steps_with.empty())
    GANLITE_CHECK(net(steps_with).trainable() && net(steps_with).steps_with.empty(),
                  "Run::add_trainable: '", name, "' steps with '", steps_with,
                  "', which must be a trainable network stepping on its own");
  n->steps_with = steps_with;
  make_optimizer(*n);
  return add(std::move(n));
}

Network& Run::add_teacher(const std::string& name, const std::string& pointer) {
  const json& ref = spec.at(json::json_pointer(pointer));
  std::optional<NetSource> pinned;
  if (options_.resuming)
    for (const json& e : options_.pinned)
      if (e.value("name", "") == name && e.contains("source") && !e["source"].is_null())
        pinned = NetSource::from_json(e["source"]);
  auto n = std::make_unique<Network>();
  n->name = name;
  NetSource source;
  n->module = load_net_ref(ref, pointer, "G", &source, &n->model, pinned ? &*pinned : nullptr);
  n->source = source;
  freeze_on(*n->module, device);
  return add(std::move(n));
}

void Run::init_from(const std::string& name, const std::string& pointer,
                    const std::string& source_net) {
  const json& ref = spec.at(json::json_pointer(pointer));
  if (ref.is_null() || options_.resuming) return;
  Network& n = net(name);
  NetSource s = init_from_ref(*n.module, ref, pointer, source_net);
  if (task == TaskKind::unpaired && s.net.empty())
    throw SpecError(pointer + ": " + s.file +
                    " is a plain state_dict; an unpaired run needs a run or ganlite checkpoint, "
                    "whose G and G2 (D and D2) start their namesakes");
  n.source = std::move(s);
}

void Run::set_params(const std::string& name, std::vector<Tensor> params) {
  Network& n = net(name);
  GANLITE_CHECK(n.trainable(), "Run::set_params: network '", name, "' is frozen");
  n.params = std::move(params);
  make_optimizer(n);
}

ImagePool& Run::add_pool(const std::string& d_name) {
  GANLITE_CHECK(!pools_.count(d_name), "Run: a pool for '", d_name, "' exists already");
  auto& p = pools_[d_name];
  p = std::make_unique<ImagePool>(spec["losses"]["pool_size"].get<int64_t>());
  return *p;
}

ImagePool* Run::pool(const std::string& d_name) {
  auto it = pools_.find(d_name);
  return it == pools_.end() ? nullptr : it->second.get();
}

Network* Run::find(const std::string& name) {
  for (auto& n : networks_)
    if (n->name == name) return n.get();
  return nullptr;
}

const Network* Run::find(const std::string& name) const {
  return const_cast<Run*>(this)->find(name);
}

Network& Run::net(const std::string& name) {
  if (Network* n = find(name)) return *n;
  std::string names;
  for (auto& n : networks_) names += (names.empty() ? "" : ", ") + n->name;
  GANLITE_FAIL("Run: no network '", name, "' (the run has: ", names, ")");
}

const Network& Run::net(const std::string& name) const {
  return const_cast<Run*>(this)->net(name);
}

nn::Optimizer& Run::opt(const std::string& name) {
  Network& n = net(name);
  GANLITE_CHECK(n.trainable(), "Run: network '", name, "' is frozen and has no optimizer");
  return *n.opt;
}

std::vector<nn::Optimizer*> Run::optimizers(const std::string& name) {
  std::vector<nn::Optimizer*> out{&opt(name)};
  for (auto& n : networks_)
    if (n->steps_with == name) out.push_back(n->opt.get());
  return out;
}

Shape Run::latent_shape(int64_t n) const {
  return gan::latent_shape(spec, n);
}

void Run::to_device(data::Batch& batch) const {
  for (Tensor* t : {&batch.a, &batch.b, &batch.labels})
    if (t->defined()) *t = t->to(device);
}

Tensor Run::sample_latent(int64_t n) {
  return randn(latent_shape(n), gen, DType::f32, device);
}

Tensor Run::sample_labels(int64_t n) {
  return num_classes > 0 ? randint(0, num_classes, {n}, gen, device) : Tensor();
}

int64_t Run::schedule_counter() const {
  return spec["schedule"]["epochs"].get<int64_t>() > 0 ? epoch() : step;
}

void Run::apply_schedule() {
  const json& s = spec["schedule"];
  const int64_t length = std::max(s["epochs"].get<int64_t>(), s["steps"].get<int64_t>());
  const int64_t counter = std::min(schedule_counter(), length - 1);
  for (auto& n : networks_) {
    if (!n->opt) continue;
    const double base = spec["optim"][n->optim]["lr"];
    if (s["decay"] == "linear") {
      const int64_t start = s["decay_start"];
      nn::apply_lr(*n->opt, nn::LinearDecayLr(base, start, length - start), counter);
    } else if (s["decay"] == "multistep") {
      nn::apply_lr(*n->opt,
                   nn::MultiStepLr(base, s["milestones"].get<std::vector<int64_t>>(),
                                   s["gamma"].get<double>()),
                   counter);
    } else {
      nn::apply_lr(*n->opt, nn::ConstantLr(base), counter);
    }
  }
}

json Run::networks_json() const {
  json out = json::array();
  for (const auto& n : networks_)
    out.push_back({{"name", n->name},
                   {"model", n->model},
                   {"optim", n->trainable() ? json(n->optim) : json()},
                   {"steps_with", n->steps_with.empty() ? json() : json(n->steps_with)},
                   {"source", n->source ? n->source->to_json() : json()},
                   {"averages", n->averages.empty() ? json() : json(n->averages)}});
  return out;
}

namespace {

std::string shape_text(const Tensor& t) {
  return shape_str(Shape(t.shape().begin() + 1, t.shape().end()));  // without the batch
}

// net(x) for the check: its errors are the model's not taking the data.
Tensor probe(nn::Module& net, const Tensor& x, const Tensor& labels, const std::string& at,
             const std::string& what) {
  try {
    return forward_with_labels(net, x, labels);
  } catch (const SpecError&) {
    throw;
  } catch (const Error& e) {
    throw SpecError(at + ": " + what + " does not take the data's images of shape " +
                    shape_text(x) + ": " + without_location(e));
  }
}

void same_images(const Tensor& made, const Tensor& data, const std::string& at,
                 const std::string& what, const std::string& data_what) {
  if (made.shape().size() != data.shape().size() ||
      !std::equal(made.shape().begin() + 1, made.shape().end(), data.shape().begin() + 1))
    throw SpecError(at + ": " + what + " makes images of shape " + shape_text(made) + ", " +
                    data_what + " are " + shape_text(data));
}

std::string human_bytes(double bytes) {
  char buf[32];
  if (bytes >= double(size_t(1) << 30))
    std::snprintf(buf, sizeof buf, "%.1f GiB", bytes / double(size_t(1) << 30));
  else
    std::snprintf(buf, sizeof buf, "%.1f MiB", bytes / double(size_t(1) << 20));
  return buf;
}

}  // namespace

void check_setup(Run& run, const data::Dataset& dataset) {
  const json& d = run.spec["data"];
  if (dataset.size() < run.batch_size)
    throw SpecError("/data/batch_size: " + std::to_string(run.batch_size) +
                    " is larger than the dataset (" + std::to_string(dataset.size()) + " examples" +
                    (d["limit"].get<int64_t>() > 0 ? ", data.limit " + d["limit"].dump() : "") +
                    ")");
  if (run.batch_size > 1 && !dataset.varying_sizes().empty())
    throw SpecError(
        "/data/batch_size: preprocess \"none\" keeps each image's size, and the "
        "images come in several (" +
        dataset.varying_sizes() +
        "), which cannot be "
        "stacked into a batch of " +
        std::to_string(run.batch_size) +
        ": use batch_size 1, or a preprocess that gives them one size (resize, crop, "
        "resize_and_crop)");
  // Batch-1 forwards with autograd on, in eval mode, then let go: nothing the run holds
  // changes (eval mode: no batch-norm statistics or spectral-norm vectors move; the default
  // generator, which noise inputs draw from, is put back).
  const Generator saved = default_generator();
  std::vector<std::unique_ptr<nn::EvalScope>> eval;
  for (const auto& n : run.networks()) eval.push_back(std::make_unique<nn::EvalScope>(*n->module));
  const data::Example e = dataset.get(0);
  const Tensor a = e.a.unsqueeze(0).to(run.device);
  const Tensor b = e.b.defined() ? e.b.unsqueeze(0).to(run.device) : Tensor();
  const MemoryStats before = cpu::memory_stats();
  cpu::reset_peak();
  const std::string g = "G (" + run.spec["model"]["G"]["name"].get<std::string>() + ")";
  const json& d_name = run.spec["model"]["D"]["name"];
  const std::string dn = "D (" + (d_name.is_null() ? "" : d_name.get<std::string>()) + ")";
  {
    Generator local(run.spec["seed"].get<uint64_t>());
    if (run.task == TaskKind::classifier) {
      probe(run.module("G"), a, Tensor(), "/model/G/options", g);
    } else if (run.task == TaskKind::generation) {
      const Tensor y = run.num_classes > 0 ? zeros({1}, DType::i64, run.device) : Tensor();
      const Tensor fake =
          probe(run.module("G"), randn(run.latent_shape(1), local, DType::f32, run.device), y,
                "/model/G/options", g);
      same_images(fake, a, "/model/G/options", g,
                  "the data's (data.image_size " + d["image_size"].dump() + ")");
      probe(run.module("D"), fake, y, "/model/D/options", dn);
    } else {
      const Tensor fake_b = probe(run.module("G"), a, Tensor(), "/model/G/options", g);
      same_images(fake_b, b, "/model/G/options", g, "the data's B images");
      if (run.task == TaskKind::paired) {
        probe(run.module("D"), concat({a, fake_b}, 1), Tensor(), "/model/D/options",
              dn + " on (A, B) pairs");
      } else {
        same_images(probe(run.module("G2"), b, Tensor(), "/model/G/options", "G_B"), a,
                    "/model/G/options", "G_B", "the data's A images");
        probe(run.module("D"), fake_b, Tensor(), "/model/D/options", dn);
        probe(run.module("D2"), a, Tensor(), "/model/D/options", "D_B");
      }
    }
  }
  const MemoryStats after = cpu::memory_stats();
  default_generator() = saved;
  if (run.device != Device::cpu) return;
  // A training step keeps every activation of the forwards for the backward and makes a
  // gradient of each: about twice what one batch-1 pass with autograd held, per example, on top
  // of what the run holds now (weights, optimizer moments); gradients of the weights once more.
  double params = 0;
  for (const auto& n : run.networks()) params += 4.0 * n->module->num_parameters();
  const double per_example = 2.0 * double(after.peak - before.in_use);
  const double need = double(before.in_use) + params + per_example * double(run.batch_size);
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  const double mem = pages > 0 && page > 0 ? double(pages) * double(page) : 0;
  if (mem > 0 && need > mem)
    throw SpecError("/data/batch_size: a training step at batch " + std::to_string(run.batch_size) +
                    " needs about " + human_bytes(need) + " (" + human_bytes(per_example) +
                    " per example, estimated from a batch-1 pass), more than " + "this machine's " +
                    human_bytes(mem) + "; lower data.batch_size or the model's size");
}

}  // namespace ganlite::gan
