// The run-spec schema (one table, spec_fields) and its validator: unknown keys, wrong types and
// out-of-range values are SpecErrors naming the JSON Pointer (RFC 6901), the expectation and the
// value found; unknown keys suggest the nearest valid key by Levenshtein distance.
#include "gan/train/spec.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "gan/train/task.h"
#include "gan/train/technique.h"

namespace ganlite::gan {

void spec_error(const std::string& pointer, const std::string& message) {
  throw SpecError(pointer + ": " + message);
}

using nlohmann::json;

namespace {
SpecField field(std::string pointer, FieldKind kind, json def, std::string description) {
  SpecField f;
  f.pointer = std::move(pointer);
  f.kind = kind;
  f.default_value = std::move(def);
  f.description = std::move(description);
  return f;
}
}  // namespace

namespace fields {

SpecField section(std::string p, std::string d) {
  return field(std::move(p), FieldKind::object, json::object(), std::move(d));
}
SpecField choice(std::string p, std::vector<std::string> choices, json def, std::string d) {
  SpecField f = field(std::move(p), FieldKind::string, std::move(def), std::move(d));
  f.choices = std::move(choices);
  f.required = f.default_value.is_null();
  return f;
}
SpecField text(std::string p, json def, std::string d) {
  return field(std::move(p), FieldKind::string, std::move(def), std::move(d));
}
SpecField integer(std::string p, json def, double lo, double hi, std::string d) {
  SpecField f = field(std::move(p), FieldKind::integer, std::move(def), std::move(d));
  f.lo = lo;
  f.hi = hi;
  return f;
}
SpecField number(std::string p, json def, double lo, bool lo_open, double hi, bool hi_open,
                 std::string d) {
  SpecField f = field(std::move(p), FieldKind::number, std::move(def), std::move(d));
  f.lo = lo;
  f.lo_open = lo_open;
  f.hi = hi;
  f.hi_open = hi_open;
  return f;
}
SpecField boolean(std::string p, bool def, std::string d) {
  return field(std::move(p), FieldKind::boolean, def, std::move(d));
}
SpecField int_list(std::string p, std::vector<int64_t> def, double lo, double hi, std::string d) {
  SpecField f = field(std::move(p), FieldKind::int_list, def, std::move(d));
  f.lo = lo;
  f.hi = hi;
  return f;
}
SpecField number_list(std::string p, json def, double lo, bool lo_open, double hi, bool hi_open,
                      std::string d) {
  SpecField f = number(std::move(p), std::move(def), lo, lo_open, hi, hi_open, std::move(d));
  f.kind = FieldKind::number_list;
  return f;
}
SpecField net_ref(std::string p, std::string teacher, std::string d) {
  SpecField f = field(std::move(p), FieldKind::net_ref, nullptr, std::move(d));
  f.teacher = std::move(teacher);
  f.required = !f.teacher.empty();
  return f;
}
SpecField nullable(SpecField f) {
  f.nullable = true;
  f.required = false;
  return f;
}

}  // namespace fields

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kMaxInt = 9007199254740992.0;  // 2^53: integers JSON readers keep exactly

using namespace fields;

// One optimizer section: /optim/<name> (G, D and each network a technique trains).
void optim_fields(std::vector<SpecField>& t, const std::string& name, const std::string& what) {
  const std::string p = "/optim/" + name;
  t.push_back(section(p, "the optimizer of " + what));
  t.push_back(choice(p + "/type", {"adam", "sgd"}, "adam", "nn/optim.h"));
  t.push_back(number(p + "/lr", 2e-4, 0, true, 10, false, "learning rate"));
  t.push_back(number(p + "/beta1", 0.5, 0, false, 1, true, "adam: first-moment decay"));
  t.push_back(number(p + "/beta2", 0.999, 0, false, 1, true, "adam: second-moment decay"));
  t.push_back(number(p + "/momentum", 0, 0, false, 1, true, "sgd: momentum"));
}

std::vector<SpecField> build_fields() {
  std::vector<SpecField> t;
  SpecField name = text("/name", nullptr,
                        "run name (letters, digits, '.', '_', '-'); the run "
                        "directory is out_dir/name");
  name.required = true;
  t.push_back(name);
  t.push_back(choice("/task", {"gan", "classifier"}, "gan",
                     "gan: adversarial training (the data decide generation, paired or unpaired "
                     "translation); classifier: model.G is a classifier trained on labels"));
  t.push_back(integer("/seed", 0, 0, kMaxInt, "seeds initialisation, shuffling and augmentation"));
  t.push_back(choice("/device", {"cpu", "cuda"}, "cpu", "where the run computes"));
  t.push_back(section("/model", "the generator G and discriminator D"));
  for (const char* m : {"G", "D"}) {
    const std::string p = std::string("/model/") + m;
    t.push_back(section(p, m[0] == 'G' ? "the generator" : "the discriminator"));
    SpecField name = choice(p + "/name", model_names(), nullptr,
                            m[0] == 'G' ? "registry name (gan/models/registry.h)"
                                        : "registry name; required for task gan, null otherwise");
    name.required = m[0] == 'G';
    name.nullable = m[0] == 'D';
    t.push_back(name);
    t.push_back(field(p + "/options", FieldKind::options, json::object(),
                      "registry options; values are passed to make_model as strings and "
                      "checked there"));
    t.push_back(nullable(net_ref(p + "/init_from", "",
                                 std::string("start ") + m +
                                     " from a trained network instead of its initialisation "
                                     "(docs/training.md: network references); CycleGAN's " +
                                     m + "2 takes the same source's " + m + "2")));
  }
  t.push_back(section("/data", "dataset, preprocessing and batching"));
  t.push_back(choice("/data/dataset",
                     {"fashion_mnist", "fashion_unpaired", "fashion_edges", "unaligned_folder",
                      "aligned_folder", "single_folder"},
                     "fashion_mnist", "nn/data: Fashion-MNIST variants or image folders"));
  t.push_back(text("/data/root", "",
                   "dataset directory; required for folders, \"\" = the default Fashion-MNIST "
                   "location"));
  t.push_back(choice("/data/phase", {"train", "test", "val"}, "train",
                     "split (Fashion-MNIST: train or test)"));
  t.push_back(integer("/data/limit", 0, 0, kMaxInt, "use the first `limit` examples; 0 = all"));
  t.push_back(int_list("/data/classes_a", {7}, 0, 9, "fashion_unpaired: the classes of domain A"));
  t.push_back(int_list("/data/classes_b", {9}, 0, 9, "fashion_unpaired: the classes of domain B"));
  t.push_back(
      integer("/data/image_size", 28, 28, 1024, "Fashion-MNIST side; > 28 pads with background"));
  t.push_back(number("/data/edge_threshold", 1.0, 0, true, kInf, false,
                     "fashion_edges: Sobel magnitude threshold"));
  t.push_back(integer("/data/batch_size", 1, 1, 65536, "examples per batch"));
  t.push_back(choice("/data/preprocess", {"resize_and_crop", "crop", "resize", "none"},
                     "resize_and_crop", "folder datasets: nn/data/transforms.h Preprocess"));
  t.push_back(integer("/data/load_size", 286, 1, 16384, "resize_and_crop: resize to this side"));
  t.push_back(integer("/data/crop_size", 256, 1, 16384, "random crop (or resize) to this side"));
  t.push_back(boolean("/data/flip", true, "random horizontal flip"));
  t.push_back(
      choice("/data/direction", {"AtoB", "BtoA"}, "AtoB", "aligned_folder: BtoA swaps the halves"));
  t.push_back(section("/losses", "adversarial loss and the weights of the other terms"));
  t.push_back(choice("/losses/gan_mode", {"lsgan", "vanilla", "hinge", "wgan"}, "lsgan",
                     "gan/train/losses.h"));
  t.push_back(
      number("/losses/lambda_l1", 0, 0, false, kInf, false, "L1(G(a), b) weight (pix2pix: 100)"));
  t.push_back(number("/losses/lambda_cycle", 0, 0, false, kInf, false,
                     "cycle-consistency weight (CycleGAN: 10)"));
  t.push_back(number("/losses/lambda_identity", 0, 0, false, kInf, false,
                     "identity weight, relative to lambda_cycle (CycleGAN: 0.5)"));
  t.push_back(number("/losses/lambda_gp", 0, 0, false, kInf, false,
                     "WGAN-GP weight (Gulrajani et al.: 10): lambda mean_n (|grad D(x_n)| - 1)^2 "
                     "at random interpolates of real and fake images, every D step; generation "
                     "tasks"));
  t.push_back(number("/losses/r1_gamma", 0, 0, false, kInf, false,
                     "R1 weight gamma (Mescheder et al. 2018): gamma/2 mean_n |grad D(real_n)|^2 "
                     "in D's loss; generation tasks"));
  t.push_back(integer("/losses/r1_interval", 1, 1, kMaxInt,
                      "lazy R1: on every this many D steps, scaled by it (StyleGAN2: 16)"));
  t.push_back(number("/losses/pl_weight", 0, 0, false, kInf, false,
                     "StyleGAN2 path-length weight (StyleGAN2: 2); model.G stylegan2_generator"));
  t.push_back(number("/losses/pl_decay", 0.01, 0, true, 1, false,
                     "path length: decay of the running mean of the lengths"));
  t.push_back(integer("/losses/pl_interval", 4, 1, kMaxInt,
                      "path length: on every this many G steps, scaled by it (StyleGAN2: 4)"));
  t.push_back(integer("/losses/pl_batch_shrink", 2, 1, kMaxInt,
                      "path length: its batch is data.batch_size / this (StyleGAN2: 2)"));
  t.push_back(integer("/losses/pool_size", 50, 0, kMaxInt,
                      "unpaired: image pool of past fakes for D (CycleGAN: 50; 0 = none)"));
  t.push_back(
      section("/optim",
              "one optimizer per trainable network: G's (also G_B's in CycleGAN), D's (also "
              "D_B's), and one per network a technique trains"));
  optim_fields(t, "G", "G");
  optim_fields(t, "D", "D");
  t.push_back(section("/ema",
                      "an exponential moving average of the deploy generator, kept as network "
                      "<deploy>_ema, which then deploys (samples, infer, eval, export)"));
  t.push_back(number("/ema/half_life_kimg", 0, 0, false, kInf, false,
                     "half-life in thousands of images: per step decay 0.5^(batch_size / "
                     "(1000 half_life_kimg)) (StyleGAN2: 10); 0 = off, or set decay"));
  t.push_back(number("/ema/decay", 0, 0, false, 1, true,
                     "a per-step decay instead of half_life_kimg; 0 = off"));
  t.push_back(integer("/ema/start_step", 0, 0, kMaxInt,
                      "until this step the average copies the generator (decay 0)"));
  t.push_back(section("/schedule", "run length and learning-rate decay (nn/schedule.h)"));
  t.push_back(
      integer("/schedule/epochs", 0, 0, kMaxInt, "run length in epochs (set this or steps)"));
  t.push_back(
      integer("/schedule/steps", 0, 0, kMaxInt, "run length in steps (set this or epochs)"));
  t.push_back(choice("/schedule/decay", {"constant", "linear", "multistep"}, "constant",
                     "lr decay, per epoch or per step as the run length is counted"));
  t.push_back(integer("/schedule/decay_start", 0, 0, kMaxInt,
                      "linear: constant lr before this point, then linear to 0 at the end; in "
                      "epochs when schedule.epochs > 0, else in steps"));
  t.push_back(int_list("/schedule/milestones", {}, 0, kMaxInt,
                       "multistep: points at which lr is multiplied by gamma; in epochs when "
                       "schedule.epochs > 0, else in steps"));
  t.push_back(number("/schedule/gamma", 0.1, 0, true, 1, false, "multistep: decay factor"));
  t.push_back(section("/technique", "an optional compression or training technique"));
  SpecField tech = text("/technique/name", nullptr, "technique name; null = plain training");
  tech.nullable = true;
  t.push_back(tech);
  t.push_back(field("/technique/params", FieldKind::params, json::object(),
                    "the technique's parameters: the fields it declares (below, per technique)"));
  t.push_back(section("/logging", "metrics, samples, checkpoints"));
  t.push_back(integer("/logging/log_every", 100, 1, kMaxInt, "steps between metrics.jsonl lines"));
  t.push_back(
      integer("/logging/sample_every", 1000, 0, kMaxInt, "steps between sample grids; 0 = never"));
  t.push_back(integer("/logging/checkpoint_every", 5000, 0, kMaxInt,
                      "steps between checkpoints; 0 = only the last"));
  t.push_back(integer("/logging/keep_checkpoints", 0, 0, kMaxInt,
                      "step checkpoints kept, the newest; older ones are deleted as new ones are "
                      "written; 0 = all"));
  t.push_back(text("/logging/out_dir", "runs", "parent of the run directory"));
  return t;
}

std::string parent_of(const std::string& pointer) {
  return pointer.substr(0, pointer.rfind('/'));
}
std::string key_of(const std::string& pointer) {
  return pointer.substr(pointer.rfind('/') + 1);
}

// RFC 6901: '~' -> "~0", '/' -> "~1".
std::string escape_key(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

std::string label(const std::string& pointer) {
  return pointer.empty() ? "(root)" : pointer;
}

std::string shown(const json& v) {
  std::string s = v.dump();
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

std::string fmt(double v) {
  if (v == kMaxInt) return "2^53";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string range_text(const SpecField& f) {
  const bool has_lo = std::isfinite(f.lo), has_hi = std::isfinite(f.hi) && f.hi != kMaxInt;
  if (has_lo && has_hi)
    return std::string("in ") + (f.lo_open ? "(" : "[") + fmt(f.lo) + ", " + fmt(f.hi) +
           (f.hi_open ? ")" : "]");
  if (has_lo) return (f.lo_open ? "> " : ">= ") + fmt(f.lo);
  if (has_hi) return (f.hi_open ? "< " : "<= ") + fmt(f.hi);
  return "";
}

std::string choices_text(const std::vector<std::string>& c) {
  std::string s;
  for (size_t i = 0; i < c.size(); ++i) s += (i ? ", \"" : "\"") + c[i] + "\"";
  return s;
}

std::string with_range(const std::string& what, const SpecField& f) {
  std::string r = range_text(f);
  return r.empty() ? what : what + " " + r;
}

std::string expectation(const SpecField& f) {
  const std::string or_null = f.nullable ? "null or " : "";
  switch (f.kind) {
    case FieldKind::object:
    case FieldKind::params:
      return "an object";
    case FieldKind::net_ref:
      return or_null +
             "a network reference: {\"run\": DIR, \"net\": NAME, \"step\": N} or {\"file\": "
             "PATH, \"net\": NAME} or {\"file\": PATH, \"model\": {\"name\": ..., \"options\": "
             "{...}}, \"prefix\": P}";
    case FieldKind::options:
      return "an object of strings, numbers or booleans";
    case FieldKind::string:
      if (!f.choices.empty()) return "one of " + choices_text(f.choices);
      return or_null + "a string";
    case FieldKind::integer:
      return or_null + with_range("an integer", f);
    case FieldKind::number:
      return or_null + with_range("a number", f);
    case FieldKind::boolean:
      return "a boolean";
    case FieldKind::int_list:
      return or_null + with_range("an array of integers", f);
    case FieldKind::number_list:
      return or_null + with_range("an array of numbers", f);
  }
  return "";
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string nearest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = std::numeric_limits<size_t>::max();
  for (const auto& c : candidates) {
    size_t d = edit_distance(word, c);
    if (d < best_d) best_d = d, best = c;
  }
  return best;
}

[[noreturn]] void fail(const std::string& pointer, const std::string& message) {
  throw SpecError(label(pointer) + ": " + message);
}
[[noreturn]] void fail_expected(const std::string& pointer, const std::string& expected,
                                const json& found) {
  fail(pointer, "expected " + expected + ", got " + shown(found));
}

bool in_range(const SpecField& f, double v) {
  if (f.lo_open ? !(v > f.lo) : !(v >= f.lo)) return false;
  if (f.hi_open ? !(v < f.hi) : !(v <= f.hi)) return false;
  return true;
}

json check_integer(const SpecField& f, const std::string& pointer, const json& v) {
  if (!v.is_number_integer()) fail_expected(pointer, with_range("an integer", f), v);
  const double d = v.is_number_unsigned() ? double(v.get<uint64_t>()) : double(v.get<int64_t>());
  if (!in_range(f, d)) fail_expected(pointer, with_range("an integer", f), v);
  return json(v.get<int64_t>());
}

json check_number(const SpecField& f, const std::string& pointer, const json& v) {
  if (!v.is_number() || !in_range(f, v.get<double>()))
    fail_expected(pointer, with_range("a number", f), v);
  return json(v.get<double>());
}

// The structure of a network reference (gan/train/netref.h); whether it resolves to a network is
// checked where it is loaded.
json check_net_ref(const SpecField& f, const json& v) {
  const std::string& p = f.pointer;
  if (!v.is_object()) fail_expected(p, expectation(f), v);
  const std::vector<std::string> keys = {"run", "file", "net", "step", "model", "prefix"};
  for (auto it = v.begin(); it != v.end(); ++it)
    if (std::find(keys.begin(), keys.end(), it.key()) == keys.end())
      fail(p + "/" + escape_key(it.key()),
           "unknown key '" + it.key() + "'; did you mean '" + nearest(it.key(), keys) + "'?");
  if (v.contains("run") == v.contains("file"))
    fail(p,
         "expected exactly one of \"run\" (a run directory) or \"file\" (a safetensors file), "
         "got " +
             shown(v));
  for (const char* k : {"run", "file", "net", "prefix"})
    if (v.contains(k) &&
        (!v[k].is_string() || (v[k].get<std::string>().empty() && k != std::string("prefix"))))
      fail_expected(p + "/" + k, "a non-empty string", v[k]);
  if (v.contains("step")) {
    if (!v.contains("run")) fail(p + "/step", "only a run reference takes a step");
    if (!v["step"].is_number_integer() || v["step"].get<int64_t>() < 0)
      fail_expected(p + "/step", "an integer >= 0 (the run's checkpoint step_<step>)", v["step"]);
  }
  for (const char* k : {"model", "prefix"})
    if (v.contains(k) && !v.contains("file"))
      fail(p + "/" + k, std::string("only a file reference takes a ") + k);
  if (v.contains("model")) {
    const json& m = v["model"];
    const std::string mp = p + "/model";
    if (!m.is_object() || !m.contains("name") || !m["name"].is_string())
      fail_expected(mp, "{\"name\": a registry name, \"options\": {...}}", m);
    for (auto it = m.begin(); it != m.end(); ++it)
      if (it.key() != "name" && it.key() != "options")
        fail(mp + "/" + escape_key(it.key()),
             "unknown key '" + it.key() + "'; expected name, options");
    const std::vector<std::string> names = model_names();
    const std::string name = m["name"];
    if (std::find(names.begin(), names.end(), name) == names.end())
      fail(mp + "/name", "unknown model " + shown(m["name"]) + "; did you mean \"" +
                             nearest(name, names) + "\"?");
    if (m.contains("options")) {
      if (!m["options"].is_object()) fail_expected(mp + "/options", "an object", m["options"]);
      for (auto it = m["options"].begin(); it != m["options"].end(); ++it)
        if (!(it->is_string() || it->is_number() || it->is_boolean()))
          fail_expected(mp + "/options/" + escape_key(it.key()), "a string, number or boolean",
                        *it);
    }
  }
  return v;
}

// The validator over one field table (the spec's, extended by its technique's).
class Resolver {
 public:
  explicit Resolver(const std::vector<SpecField>& table) : table_(table) {}

  json object(const json& v, const std::string& pointer) const {
    if (!v.is_object()) fail_expected(pointer, "an object", v);
    const auto children = children_of(pointer);
    std::vector<std::string> keys;
    for (const auto* c : children) keys.push_back(key_of(c->pointer));
    for (auto it = v.begin(); it != v.end(); ++it)
      if (std::find(keys.begin(), keys.end(), it.key()) == keys.end()) {
        if (keys.empty())
          fail(
              pointer + "/" + escape_key(it.key()),
              "unknown key '" + it.key() + "'; " +
                  (pointer == "/technique/params" ? "no technique is named (technique.name is null)"
                                                  : "this object takes no keys"));
        fail(pointer + "/" + escape_key(it.key()),
             "unknown key '" + it.key() + "'; did you mean '" + nearest(it.key(), keys) + "'?");
      }
    json out = json::object();
    for (const auto* c : children) {
      const std::string key = key_of(c->pointer);
      if (v.contains(key))
        out[key] = value(*c, v[key]);
      else if (c->required)
        fail(c->pointer, "missing; expected " + expectation(*c));
      else if (c->kind == FieldKind::object || c->kind == FieldKind::params)
        out[key] = object(json::object(), c->pointer);
      else
        out[key] = c->default_value;
    }
    return out;
  }

 private:
  std::vector<const SpecField*> children_of(const std::string& pointer) const {
    std::vector<const SpecField*> out;
    for (const auto& f : table_)
      if (parent_of(f.pointer) == pointer) out.push_back(&f);
    return out;
  }

  json value(const SpecField& f, const json& v) const {
    const std::string& p = f.pointer;
    if (v.is_null() && f.nullable) return v;
    switch (f.kind) {
      case FieldKind::object:
      case FieldKind::params:
        return object(v, p);
      case FieldKind::options:
        if (!v.is_object()) fail_expected(p, expectation(f), v);
        for (auto it = v.begin(); it != v.end(); ++it)
          if (!(it->is_string() || it->is_number() || it->is_boolean()))
            fail_expected(p + "/" + escape_key(it.key()), "a string, number or boolean", *it);
        return v;
      case FieldKind::string:
        if (!v.is_string()) fail_expected(p, expectation(f), v);
        if (!f.choices.empty() &&
            std::find(f.choices.begin(), f.choices.end(), v.get<std::string>()) == f.choices.end())
          fail(p, "expected one of " + choices_text(f.choices) + ", got " + shown(v) +
                      "; did you mean \"" + nearest(v.get<std::string>(), f.choices) + "\"?");
        return v;
      case FieldKind::integer:
        return check_integer(f, p, v);
      case FieldKind::number:
        return check_number(f, p, v);
      case FieldKind::boolean:
        if (!v.is_boolean()) fail_expected(p, expectation(f), v);
        return v;
      case FieldKind::int_list:
      case FieldKind::number_list: {
        if (!v.is_array()) fail_expected(p, expectation(f), v);
        json out = json::array();
        for (size_t i = 0; i < v.size(); ++i) {
          const std::string at = p + "/" + std::to_string(i);
          out.push_back(f.kind == FieldKind::int_list ? check_integer(f, at, v[i])
                                                      : check_number(f, at, v[i]));
        }
        return out;
      }
      case FieldKind::net_ref:
        return check_net_ref(f, v);
    }
    return v;
  }

  const std::vector<SpecField>& table_;
};

// Rules that involve more than one field.
void check_relations(const json& s) {
  const std::string name = s["name"];
  const bool name_ok = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
  if (!name_ok || name == "." || name == "..")
    fail_expected("/name",
                  "a non-empty name of letters, digits, '.', '_' or '-', other than \".\" and "
                  "\"..\" (the run directory is out_dir/name)",
                  s["name"]);

  const json& d = s["data"];
  const std::string dataset = d["dataset"];
  const bool fashion = dataset.rfind("fashion_", 0) == 0;
  if (!fashion && d["root"].get<std::string>().empty())
    fail_expected("/data/root", "a directory for dataset \"" + dataset + "\"", d["root"]);
  if (fashion && d["phase"] == "val")
    fail_expected("/data/phase", "\"train\" or \"test\" for Fashion-MNIST datasets", d["phase"]);
  if (dataset == "fashion_unpaired")
    for (const char* k : {"classes_a", "classes_b"})
      if (d[k].empty())
        fail_expected(std::string("/data/") + k, "a non-empty array for fashion_unpaired", d[k]);
  if (!fashion && d["preprocess"] == "resize_and_crop" && d["crop_size"] > d["load_size"])
    fail_expected("/data/crop_size",
                  "an integer <= load_size (" + d["load_size"].dump() + ") for resize_and_crop",
                  d["crop_size"]);

  const json& sc = s["schedule"];
  const int64_t epochs = sc["epochs"], steps = sc["steps"];
  if ((epochs > 0) == (steps > 0))
    fail("/schedule", "expected exactly one of epochs or steps > 0, got epochs " +
                          std::to_string(epochs) + " and steps " + std::to_string(steps) +
                          (epochs > 0 ? " (to count the run in steps, set schedule.epochs=0; "
                                        "decay_start and milestones count in the same unit)"
                                      : ""));
  const int64_t total = epochs > 0 ? epochs : steps;
  const std::string unit = epochs > 0 ? "epochs" : "steps";
  if (sc["decay"] == "linear" && sc["decay_start"].get<int64_t>() >= total)
    fail_expected("/schedule/decay_start",
                  "an integer < " + unit + " (" + std::to_string(total) + ") for linear decay",
                  sc["decay_start"]);
  if (sc["decay"] == "multistep") {
    const json& m = sc["milestones"];
    if (m.empty()) fail_expected("/schedule/milestones", "a non-empty array for multistep", m);
    for (size_t i = 1; i < m.size(); ++i)
      if (m[i] < m[i - 1])
        fail_expected("/schedule/milestones/" + std::to_string(i),
                      "milestones in non-decreasing order (>= " + m[i - 1].dump() + ")", m[i]);
  }

  if (s["task"] == "gan" && s["model"]["D"]["name"].is_null())
    fail("/model/D/name", "missing; expected one of the registry names for task \"gan\"");
  if (s["task"] == "classifier" && s["data"]["dataset"] != "fashion_mnist")
    fail_expected("/data/dataset", "\"fashion_mnist\" (a labelled dataset) for task classifier",
                  s["data"]["dataset"]);
  const json& tn = s["technique"]["name"];
  if (tn.is_string() && tn.get<std::string>().empty())
    fail_expected("/technique/name", "null or a non-empty string", tn);

  // The penalties join the generation step's D and G losses (gan/train/steps.cpp).
  const json& l = s["losses"];
  const TechniqueInfo* tech = tn.is_string() ? find_technique(tn.get<std::string>()) : nullptr;
  for (const char* k : {"r1_gamma", "lambda_gp", "pl_weight"}) {
    if (l[k].get<double>() == 0) continue;
    const std::string at = std::string("/losses/") + k;
    if (task_kind(s) != TaskKind::generation)
      fail_expected(at,
                    std::string("0 for ") + task_kind_name(task_kind(s)) +
                        " runs: the penalties join the generation step (a gan task on an "
                        "unlabelled or labelled image dataset)",
                    l[k]);
    if (tech && tech->own_step)
      fail_expected(at,
                    "0 with technique " + tech->name + ", which takes a step of its own " +
                        "without gradient penalties",
                    l[k]);
  }
  if (l["pl_weight"].get<double>() > 0 && s["model"]["G"]["name"] != "stylegan2_generator")
    fail_expected("/losses/pl_weight",
                  "0 unless model.G is stylegan2_generator (the path length is taken with "
                  "respect to its w)",
                  l["pl_weight"]);
  const json& e = s["ema"];
  if (e["half_life_kimg"].get<double>() > 0 && e["decay"].get<double>() > 0)
    fail_expected("/ema/decay", "0 when ema.half_life_kimg is set (one or the other)", e["decay"]);
}

}  // namespace

const std::vector<SpecField>& spec_fields() {
  static const std::vector<SpecField> fields = build_fields();
  return fields;
}

std::vector<SpecField> spec_fields(const std::string& technique) {
  const TechniqueInfo* info = find_technique(technique);
  GANLITE_CHECK(info, "spec_fields: technique '", technique, "' is not registered");
  std::vector<SpecField> t = spec_fields();
  for (const auto& [net, what] : info->networks)
    optim_fields(t, net, "network '" + net + "' (" + technique + ": " + what + ")");
  for (SpecField f : info->params) {
    if (f.pointer.empty() || f.pointer[0] != '/') f.pointer = "/technique/params/" + f.pointer;
    t.push_back(std::move(f));
  }
  return t;
}

json resolve_spec(const json& spec) {
  const TechniqueInfo* info = nullptr;
  if (spec.is_object() && spec.contains("technique") && spec["technique"].is_object()) {
    const json& name = spec["technique"].value("name", json());
    if (name.is_string() && !name.get<std::string>().empty()) {
      info = find_technique(name.get<std::string>());
      if (!info) {
        const std::vector<std::string> known = technique_names();
        std::string list;
        for (const auto& n : known) list += (list.empty() ? "" : ", ") + n;
        fail("/technique/name",
             "unknown technique " + shown(name) +
                 "; known: " + (list.empty() ? "none (this program has no techniques)" : list) +
                 (known.empty()
                      ? ""
                      : "; did you mean \"" + nearest(name.get<std::string>(), known) + "\"?"));
      }
    }
  }
  json out = info ? Resolver(spec_fields(info->name)).object(spec, "")
                  : Resolver(spec_fields()).object(spec, "");
  check_relations(out);
  if (info && info->check) info->check(out);
  return out;
}

json read_spec_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SpecError(path + ": cannot read the spec file");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    // e.byte counts the characters read, the offending one included.
    const size_t end = std::min(text.size(), e.byte > 0 ? e.byte - 1 : 0);
    size_t line = 1, col = 1;
    for (size_t i = 0; i < end; ++i) {
      if (text[i] == '\n')
        ++line, col = 1;
      else
        ++col;
    }
    std::string why = e.what();
    const size_t at = why.find("column ");
    const size_t colon = at == std::string::npos ? at : why.find(": ", at);
    if (colon != std::string::npos) why = why.substr(colon + 2);
    throw SpecError(path + ":" + std::to_string(line) + ":" + std::to_string(col) +
                    ": invalid JSON: " + why);
  }
}

void apply_spec_override(json& spec, const std::string& assignment) {
  const size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw SpecError("--set expects a.b.c=value, got '" + assignment + "'");
  const std::string path = assignment.substr(0, eq), text = assignment.substr(eq + 1);
  std::vector<std::string> keys;
  std::stringstream ks(path);
  for (std::string k; std::getline(ks, k, '.');) keys.push_back(k);
  if (path.back() == '.' ||
      std::any_of(keys.begin(), keys.end(), [](auto& k) { return k.empty(); }))
    throw SpecError("--set " + path + ": empty key in the dotted path");
  json value;
  try {
    value = json::parse(text);
  } catch (const json::parse_error&) {
    value = text;
  }
  if (!spec.is_object()) fail_expected("", "an object", spec);
  json* cur = &spec;
  std::string pointer;
  for (size_t i = 0; i + 1 < keys.size(); ++i) {
    pointer += "/" + escape_key(keys[i]);
    json& next = (*cur)[keys[i]];
    if (next.is_null()) next = json::object();
    if (!next.is_object())
      fail(pointer, "--set " + path + " needs an object here, got " + shown(next));
    cur = &next;
  }
  (*cur)[keys.back()] = std::move(value);
}

void apply_spec_overrides(json& spec, const std::vector<std::string>& assignments,
                          std::vector<std::string>* notes) {
  const json before = spec;
  std::vector<std::string> keys;
  for (const auto& a : assignments) {
    apply_spec_override(spec, a);
    keys.push_back(a.substr(0, a.find('=')));
  }
  auto set = [&](const std::string& k) {
    return std::find(keys.begin(), keys.end(), k) != keys.end();
  };
  auto count = [](const json& s, const char* k) -> int64_t {
    return s.contains("schedule") && s["schedule"].is_object() && s["schedule"].contains(k) &&
                   s["schedule"][k].is_number_integer()
               ? s["schedule"][k].get<int64_t>()
               : 0;
  };
  // The unit the run was counted in, and the one it is counted in now.
  const bool was_epochs = count(before, "epochs") > 0, was_steps = count(before, "steps") > 0;
  if (was_epochs == was_steps) return;
  json& sc = spec["schedule"];
  if (was_epochs && set("schedule.steps") && !set("schedule.epochs") && count(spec, "steps") > 0)
    sc["epochs"] = 0;
  if (was_steps && set("schedule.epochs") && !set("schedule.steps") && count(spec, "epochs") > 0)
    sc["steps"] = 0;
  const bool now_epochs = count(spec, "epochs") > 0, now_steps = count(spec, "steps") > 0;
  if (now_epochs == now_steps || now_epochs == was_epochs) return;
  const std::string from = was_epochs ? "epochs" : "steps", to = was_epochs ? "steps" : "epochs";
  const double was = static_cast<double>(count(before, from.c_str())),
               now = static_cast<double>(count(spec, to.c_str()));
  std::string note = "schedule: " + sc[to].dump() + " " + to + " replaces " +
                     before["schedule"][from].dump() + " " + from;
  auto carry = [&](int64_t v) {
    return std::min<int64_t>(static_cast<int64_t>(std::llround(v / was * now)),
                             static_cast<int64_t>(now) - 1);
  };
  if (!set("schedule.decay_start") && sc.contains("decay_start") &&
      sc["decay_start"].is_number_integer()) {
    const int64_t v = sc["decay_start"];
    sc["decay_start"] = carry(v);
    note += "; decay_start " + std::to_string(v) + " " + from + " -> " + sc["decay_start"].dump() +
            " " + to + " (the same fraction of the run)";
  }
  if (!set("schedule.milestones") && sc.contains("milestones") && sc["milestones"].is_array() &&
      !sc["milestones"].empty()) {
    json m = json::array();
    for (const json& v : sc["milestones"]) m.push_back(v.is_number_integer() ? json(carry(v)) : v);
    note += "; milestones " + sc["milestones"].dump() + " -> " + m.dump() +
            " (the same fractions of the run)";
    sc["milestones"] = m;
  }
  if (notes) notes->push_back(note);
}

void write_resolved_spec(const json& resolved, const std::string& path) {
  std::ofstream out(path, std::ios::binary);
  GANLITE_CHECK(out.good(), "spec: cannot write ", path);
  out << resolved.dump(2) << "\n";
  GANLITE_CHECK(out.good(), "spec: failed writing ", path);
}

Options spec_model_options(const json& resolved, const std::string& which) {
  return model_options(resolved.at("model").at(which).at("options"));
}

Options model_options(const json& options) {
  Options out;
  for (auto it = options.begin(); it != options.end(); ++it)
    out[it.key()] = it->is_string() ? it->get<std::string>() : it->dump();
  return out;
}

nn::ModulePtr make_described_model(const json& model) {
  return make_model(model.at("name").get<std::string>(),
                    model_options(model.value("options", json::object())));
}

namespace {

std::string schema_table(const std::vector<SpecField>& table, const std::string& under) {
  std::string md = "| field | type | default | allowed | description |\n|---|---|---|---|---|\n";
  for (const auto& f : table) {
    if (f.pointer.rfind(under, 0) != 0) continue;
    std::string type, def, allowed;
    switch (f.kind) {
      case FieldKind::object:
        type = "object";
        break;
      case FieldKind::params:
        type = "object";
        allowed = "the technique's fields";
        break;
      case FieldKind::options:
        type = "object";
        allowed = "string, number or boolean values";
        break;
      case FieldKind::string:
        type = "string";
        if (!f.choices.empty()) allowed = choices_text(f.choices);
        break;
      case FieldKind::integer:
        type = "integer";
        allowed = range_text(f);
        break;
      case FieldKind::number:
        type = "number";
        allowed = range_text(f);
        break;
      case FieldKind::boolean:
        type = "boolean";
        break;
      case FieldKind::int_list:
        type = "integer array";
        allowed = "each " + range_text(f);
        break;
      case FieldKind::number_list:
        type = "number array";
        allowed = "each " + range_text(f);
        break;
      case FieldKind::net_ref:
        type = "network reference";
        allowed =
            "`{\"run\", \"net\", \"step\"}`, `{\"file\", \"net\"}` or `{\"file\", \"model\", "
            "\"prefix\"}`";
        break;
    }
    if (f.nullable) type += " or null";
    if (f.kind == FieldKind::object)
      def = "";
    else if (f.required)
      def = "required";
    else
      def = "`" + f.default_value.dump() + "`";
    std::string description = f.description;
    if (!f.teacher.empty()) description += " (loaded as the frozen teacher `" + f.teacher + "`)";
    md += "| `" + f.pointer + "` | " + type + " | " + def + " | " + allowed + " | " + description +
          " |\n";
  }
  return md;
}

}  // namespace

std::string spec_schema_markdown() {
  std::string md = schema_table(spec_fields(), "");
  for (const std::string& name : technique_names()) {
    const TechniqueInfo& info = *find_technique(name);
    md += "\n### Technique `" + name + "`\n\n" + info.summary + "\n\n";
    const std::vector<SpecField> t = spec_fields(name);
    if (info.params.empty())
      md += "No parameters.\n";
    else
      md += schema_table(t, "/technique/params/");
    for (const auto& [net, what] : info.networks)
      md += "\nTrains the network `" + net + "` (" + what + ") with the optimizer `/optim/" + net +
            "` (the fields of `/optim/G`).\n";
  }
  return md;
}

}  // namespace ganlite::gan
