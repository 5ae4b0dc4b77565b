// The model registry: each entry names its options with defaults and builds the module.
#include "gan/models/registry.h"

#include <algorithm>
#include <cstdio>
#include <functional>

#include "gan/models/dcgan.h"
#include "gan/models/fmnist_classifier.h"
#include "gan/models/mobile_resnet_generator.h"
#include "gan/models/patchgan.h"
#include "gan/models/resnet_generator.h"
#include "gan/models/slim_sngan.h"
#include "gan/models/sngan.h"
#include "gan/models/stylegan2.h"
#include "gan/models/unet_generator.h"
#include "gan/models/vgg16.h"

namespace ganlite::gan {
namespace {

// Typed access to string options, with the model and key in every error (OptionError), and
// the range an option takes checked before any module is built.
// What a model's option takes, recorded as the model is built (docs/models.md is generated from
// these).
struct OptionDoc {
  std::string key, type, default_value;
};

class OptionReader {
 public:
  OptionReader(std::string model, const Options& o) : model_(std::move(model)), o_(o) {}
  const std::vector<OptionDoc>& docs() const { return docs_; }
  int64_t integer(const std::string& key, int64_t dflt, int64_t lo = INT64_MIN,
                  int64_t hi = INT64_MAX) {
    known_.push_back(key);
    std::string range;
    if (lo != INT64_MIN && hi != INT64_MAX)
      range = " in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
    else if (lo != INT64_MIN)
      range = " >= " + std::to_string(lo);
    doc(key, "integer" + range, std::to_string(dflt));
    auto it = o_.find(key);
    if (it == o_.end()) return dflt;
    int64_t v = 0;
    bool ok = false;
    try {
      size_t used = 0;
      v = std::stoll(it->second, &used);
      ok = used == it->second.size();
    } catch (const std::exception&) {
    }
    if (!ok || v < lo || v > hi)
      fail(key, "expects an integer" + range + ", got '" + it->second + "'");
    return v;
  }
  // An integer that must be one of `choices`.
  int64_t one_of(const std::string& key, int64_t dflt, const std::vector<int64_t>& choices) {
    std::string list;
    for (int64_t c : choices) list += (list.empty() ? "" : ", ") + std::to_string(c);
    const int64_t v = integer(key, dflt);
    docs_.back().type = "one of " + list;
    if (std::find(choices.begin(), choices.end(), v) == choices.end())
      fail(key, "expects one of " + list + ", got " + std::to_string(v));
    return v;
  }
  bool boolean(const std::string& key, bool dflt) {
    known_.push_back(key);
    doc(key, "true or false", dflt ? "true" : "false");
    auto it = o_.find(key);
    if (it == o_.end()) return dflt;
    if (it->second == "true" || it->second == "1") return true;
    if (it->second == "false" || it->second == "0") return false;
    fail(key, "expects true or false, got '" + it->second + "'");
  }
  double real(const std::string& key, double dflt) {
    known_.push_back(key);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", dflt);
    doc(key, "number", buf);
    auto it = o_.find(key);
    if (it == o_.end()) return dflt;
    try {
      size_t used = 0;
      double v = std::stod(it->second, &used);
      if (used == it->second.size()) return v;
    } catch (const std::exception&) {
    }
    fail(key, "expects a number, got '" + it->second + "'");
  }
  // A word from `choices` (any text when empty).
  std::string text(const std::string& key, const std::string& dflt,
                   const std::vector<std::string>& choices = {}) {
    known_.push_back(key);
    std::string list;
    for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
    doc(key, choices.empty() ? "text" : "one of " + list, dflt);
    auto it = o_.find(key);
    const std::string v = it == o_.end() ? dflt : it->second;
    if (!choices.empty() && std::find(choices.begin(), choices.end(), v) == choices.end())
      fail(key, "expects one of " + list + ", got '" + v + "'");
    return v;
  }
  // Every given option must have been read.
  void finish() const {
    for (auto& [k, v] : o_) {
      if (std::find(known_.begin(), known_.end(), k) != known_.end()) continue;
      std::string list;
      for (auto& n : known_) list += (list.empty() ? "" : ", ") + n;
      throw OptionError(k, model_ + ": unknown option '" + k + "' (options: " + list + ")");
    }
  }
  // Errors raised while building, with a known option as their subject.
  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw OptionError(key, model_ + ": option " + key + " " + what);
  }

 private:
  void doc(const std::string& key, const std::string& type, const std::string& dflt) {
    for (const OptionDoc& d : docs_)
      if (d.key == key) return;
    docs_.push_back({key, type, dflt});
  }

  std::string model_;
  const Options& o_;
  std::vector<std::string> known_;
  std::vector<OptionDoc> docs_;
};

// StyleGAN2 G and D share their options; D reads only the resolution and channels.
template <class M>
nn::ModulePtr make_stylegan2(OptionReader& r, bool generator) {
  StyleGan2Options o;
  o.resolution = r.one_of("resolution", o.resolution, {32, 64});
  o.channel_base = r.integer("channel_base", o.channel_base, 1);
  o.channel_max = r.integer("channel_max", o.channel_max, 1);
  o.img_channels = r.one_of("img_channels", o.img_channels, {1, 3});
  if (generator) {
    o.z_dim = r.integer("z_dim", o.z_dim, 1);
    o.w_dim = r.integer("w_dim", o.w_dim, 1);
    o.n_mlp = r.integer("n_mlp", o.n_mlp, 1);
    o.truncation_psi = r.real("truncation_psi", o.truncation_psi);
  }
  return std::make_shared<M>(o);
}

struct Entry {
  const char* name;
  std::function<nn::ModulePtr(OptionReader&)> build;
  // The profiling input for (batch, h, w); null means an image model: (batch, input_nc, h, w).
  std::function<Shape(OptionReader&, int64_t, int64_t, int64_t)> input;
};

const std::vector<Entry>& entries() {
  static const std::vector<Entry> e = {
      {"resnet_generator",
       [](OptionReader& r) {
         ResnetGeneratorOptions o;
         o.input_nc = r.integer("input_nc", o.input_nc, 1);
         o.output_nc = r.integer("output_nc", o.output_nc, 1);
         o.ngf = r.integer("ngf", o.ngf, 1);
         o.n_blocks = r.integer("n_blocks", o.n_blocks, 0);
         o.norm = parse_norm(r.text("norm", "instance", {"instance", "batch", "none"}));
         o.use_dropout = r.boolean("use_dropout", o.use_dropout);
         o.masked = r.boolean("masked", o.masked);
         return std::make_shared<ResnetGenerator>(o);
       },
       nullptr},
      {"mobile_resnet_generator",
       [](OptionReader& r) {
         MobileResnetGeneratorOptions o;
         o.input_nc = r.integer("input_nc", o.input_nc, 1);
         o.output_nc = r.integer("output_nc", o.output_nc, 1);
         o.ngf = r.integer("ngf", o.ngf, 1);
         o.n_blocks = r.integer("n_blocks", o.n_blocks, 0);
         o.norm = parse_norm(r.text("norm", "instance", {"instance", "batch", "none"}));
         o.dropout_rate = r.real("dropout_rate", o.dropout_rate);
         o.masked = r.boolean("masked", o.masked);
         return std::make_shared<MobileResnetGenerator>(o);
       },
       nullptr},
      {"unet_generator",
       [](OptionReader& r) {
         UnetGeneratorOptions o;
         o.input_nc = r.integer("input_nc", o.input_nc, 1);
         o.output_nc = r.integer("output_nc", o.output_nc, 1);
         o.num_downs = r.integer("num_downs", o.num_downs, 5);
         o.ngf = r.integer("ngf", o.ngf, 1);
         o.norm = parse_norm(r.text("norm", "batch", {"instance", "batch", "none"}));
         o.use_dropout = r.boolean("use_dropout", o.use_dropout);
         o.masked = r.boolean("masked", o.masked);
         return std::make_shared<UnetGenerator>(o);
       },
       nullptr},
      {"patchgan",
       [](OptionReader& r) {
         PatchGanOptions o;
         o.input_nc = r.integer("input_nc", o.input_nc, 1);
         o.ndf = r.integer("ndf", o.ndf, 1);
         o.n_layers = r.integer("n_layers", o.n_layers, 1);
         o.norm = parse_norm(r.text("norm", "batch", {"instance", "batch", "none"}));
         return std::make_shared<NLayerDiscriminator>(o);
       },
       nullptr},
      {"dcgan_generator",
       [](OptionReader& r) {
         DcganGeneratorOptions o;
         o.nz = r.integer("nz", o.nz, 1);
         o.ngf = r.integer("ngf", o.ngf, 1);
         o.output_nc = r.integer("output_nc", o.output_nc, 1);
         o.image_size = r.one_of("image_size", o.image_size, {32, 64});
         return std::make_shared<DcganGenerator>(o);
       },
       [](OptionReader& r, int64_t batch, int64_t, int64_t) {
         return Shape{batch, r.integer("nz", DcganGeneratorOptions{}.nz, 1), 1, 1};
       }},
      {"dcgan_discriminator",
       [](OptionReader& r) {
         DcganDiscriminatorOptions o;
         o.input_nc = r.integer("input_nc", o.input_nc, 1);
         o.ndf = r.integer("ndf", o.ndf, 1);
         o.image_size = r.one_of("image_size", o.image_size, {32, 64});
         o.norm = parse_dcgan_norm(r.text("norm", "batch", {"batch", "group", "none"}));
         return std::make_shared<DcganDiscriminator>(o);
       },
       nullptr},
      {"stylegan2_generator",
       [](OptionReader& r) { return make_stylegan2<StyleGan2Generator>(r, true); },
       [](OptionReader& r, int64_t batch, int64_t, int64_t) {
         return Shape{batch, r.integer("z_dim", StyleGan2Options{}.z_dim, 1)};
       }},
      {"stylegan2_discriminator",
       [](OptionReader& r) { return make_stylegan2<StyleGan2Discriminator>(r, false); },
       [](OptionReader& r, int64_t batch, int64_t, int64_t) {
         // The image size is the resolution option, not --size.
         int64_t res = r.integer("resolution", StyleGan2Options{}.resolution);
         return Shape{batch, r.integer("img_channels", StyleGan2Options{}.img_channels), res, res};
       }},
      {"sngan_generator",
       [](OptionReader& r) {
         SnganGeneratorOptions o;
         o.z_dim = r.integer("z_dim", o.z_dim, 1);
         o.ch = r.integer("ch", o.ch, 1);
         o.output_nc = r.integer("output_nc", o.output_nc, 1);
         o.num_classes = r.integer("num_classes", o.num_classes, 1);
         return std::make_shared<SnganGenerator>(o);
       },
       // Noise (batch, z_dim); the profile runs it with label 0 (nn::profile).
       [](OptionReader& r, int64_t batch, int64_t, int64_t) {
         return Shape{batch, r.integer("z_dim", SnganGeneratorOptions{}.z_dim, 1)};
       }},
      {"sngan_discriminator",
       [](OptionReader& r) {
         SnganDiscriminatorOptions o;
         o.input_nc = r.integer("input_nc", o.input_nc, 1);
         o.ndf = r.integer("ndf", o.ndf, 1);
         o.num_classes = r.integer("num_classes", o.num_classes, 1);
         return std::make_shared<SnganDiscriminator>(o);
       },
       // 32x32 images whatever --size says: the only size the net takes.
       [](OptionReader& r, int64_t batch, int64_t, int64_t) {
         return Shape{batch, r.integer("input_nc", SnganDiscriminatorOptions{}.input_nc, 1), 32,
                      32};
       }},
      // SlimGAN's nets (gan/models/slim_sngan.h): widths "0.25,0.5,0.75,1"; width picks the one the
      // net runs at (the profile's), the widest by default.
      {"slim_sngan_generator",
       [](OptionReader& r) {
         SlimSnganGeneratorOptions o;
         o.z_dim = r.integer("z_dim", o.z_dim, 1);
         o.ch = r.integer("ch", o.ch, 1);
         o.output_nc = r.integer("output_nc", o.output_nc, 1);
         o.num_classes = r.integer("num_classes", o.num_classes, 1);
         o.widths = parse_widths(r.text("widths", widths_string(o.widths)),
                                 "slim_sngan_generator: option widths");
         double width = r.real("width", o.widths.back());
         auto g = std::make_shared<SlimSnganGenerator>(o);
         nn::set_width_mult(*g, width);
         return g;
       },
       [](OptionReader& r, int64_t batch, int64_t, int64_t) {
         return Shape{batch, r.integer("z_dim", SlimSnganGeneratorOptions{}.z_dim, 1)};
       }},
      {"slim_sngan_discriminator",
       [](OptionReader& r) {
         SlimSnganDiscriminatorOptions o;
         o.input_nc = r.integer("input_nc", o.input_nc, 1);
         o.ndf = r.integer("ndf", o.ndf, 1);
         o.num_classes = r.integer("num_classes", o.num_classes, 1);
         o.widths = parse_widths(r.text("widths", widths_string(o.widths)),
                                 "slim_sngan_discriminator: option widths");
         o.n_share = r.integer("n_share", o.n_share, -1, 4);
         double width = r.real("width", o.widths.back());
         auto d = std::make_shared<SlimSnganDiscriminator>(o);
         d->set_width_mult(width);
         return d;
       },
       [](OptionReader& r, int64_t batch, int64_t, int64_t) {
         return Shape{batch, r.integer("input_nc", SlimSnganDiscriminatorOptions{}.input_nc, 1), 32,
                      32};
       }},
      // torchvision's VGG16 features to relu4_3 (perceptual losses); (N, input_nc, H, W).
      {"vgg16_features",
       [](OptionReader& r) {
         Vgg16Options o;
         o.input_nc = r.integer("input_nc", o.input_nc, 1);
         o.width = r.integer("width", o.width, 1);
         return std::make_shared<Vgg16Features>(o);
       },
       nullptr},
      {"fmnist_classifier",
       [](OptionReader& r) {
         FmnistClassifierOptions o;
         o.width = r.integer("width", o.width, 1);
         return std::make_shared<FmnistClassifier>(o);
       },
       // (batch, 1, 28, 28) whatever --size says: the feature network of FD-FMNIST takes 28x28.
       [](OptionReader&, int64_t batch, int64_t, int64_t) {
         return Shape{batch, 1, FmnistClassifier::kImageSize, FmnistClassifier::kImageSize};
       }},
  };
  return e;
}

const Entry& find_entry(const std::string& name) {
  for (const Entry& e : entries())
    if (name == e.name) return e;
  std::string list;
  for (auto& n : model_names()) list += (list.empty() ? "" : ", ") + n;
  GANLITE_FAIL("unknown model '", name, "' (available: ", list, ")");
}

}  // namespace

std::vector<std::string> model_names() {
  std::vector<std::string> out;
  for (const Entry& e : entries()) out.push_back(e.name);
  return out;
}

nn::ModulePtr make_model(const std::string& name, const Options& options) {
  const Entry& e = find_entry(name);
  OptionReader r(name, options);
  nn::ModulePtr m = e.build(r);
  r.finish();
  return m;
}

Shape profile_input(const std::string& name, const Options& options, int64_t batch, int64_t h,
                    int64_t w) {
  const Entry& e = find_entry(name);
  OptionReader r(name, options);
  // Every image model so far reads its channels from input_nc, default 3.
  if (!e.input) return Shape{batch, r.integer("input_nc", 3, 1), h, w};
  return e.input(r, batch, h, w);
}

int64_t input_multiple(const std::string& name, const Options& options) {
  OptionReader r(name, options);
  if (name == "resnet_generator" || name == "mobile_resnet_generator") return 4;
  if (name == "unet_generator")
    return int64_t(1) << r.integer("num_downs", UnetGeneratorOptions{}.num_downs, 5, 30);
  find_entry(name);  // an unknown name is still an error
  return 1;
}

std::string model_options_markdown() {
  std::string md;
  for (const Entry& e : entries()) {
    OptionReader r(e.name, {});
    e.build(r);  // with the defaults: records every option the model reads
    if (e.input) e.input(r, 1, 8, 8);
    md += "### `" + std::string(e.name) + "`\n\n| option | takes | default |\n|---|---|---|\n";
    for (const OptionDoc& d : r.docs())
      md += "| `" + d.key + "` | " + d.type + " | `" + d.default_value + "` |\n";
    md += "\n";
  }
  return md;
}

}  // namespace ganlite::gan
