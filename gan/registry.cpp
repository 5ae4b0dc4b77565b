// The model registry: each entry names its options with defaults and builds the module.
#include "gan/registry.h"

#include <algorithm>
#include <functional>

#include "gan/patchgan.h"
#include "gan/resnet_generator.h"

namespace ganlite::gan {
namespace {

// Typed access to string options, with the model and key in every error.
class OptionReader {
 public:
  OptionReader(std::string model, const Options& o) : model_(std::move(model)), o_(o) {}
  int64_t integer(const std::string& key, int64_t dflt) {
    known_.push_back(key);
    auto it = o_.find(key);
    if (it == o_.end()) return dflt;
    try {
      size_t used = 0;
      int64_t v = std::stoll(it->second, &used);
      if (used == it->second.size()) return v;
    } catch (const std::exception&) {
    }
    GANLITE_FAIL(model_, ": option ", key, " expects an integer, got '", it->second, "'");
  }
  bool boolean(const std::string& key, bool dflt) {
    known_.push_back(key);
    auto it = o_.find(key);
    if (it == o_.end()) return dflt;
    if (it->second == "true" || it->second == "1") return true;
    if (it->second == "false" || it->second == "0") return false;
    GANLITE_FAIL(model_, ": option ", key, " expects true or false, got '", it->second, "'");
  }
  std::string text(const std::string& key, const std::string& dflt) {
    known_.push_back(key);
    auto it = o_.find(key);
    return it == o_.end() ? dflt : it->second;
  }
  // Every given option must have been read.
  void finish() const {
    for (auto& [k, v] : o_) {
      if (std::find(known_.begin(), known_.end(), k) != known_.end()) continue;
      std::string list;
      for (auto& n : known_) list += (list.empty() ? "" : ", ") + n;
      GANLITE_FAIL(model_, ": unknown option '", k, "' (options: ", list, ")");
    }
  }

 private:
  std::string model_;
  const Options& o_;
  std::vector<std::string> known_;
};

struct Entry {
  const char* name;
  std::function<nn::ModulePtr(OptionReader&)> build;
};

const std::vector<Entry>& entries() {
  static const std::vector<Entry> e = {
      {"resnet_generator",
       [](OptionReader& r) {
         ResnetGeneratorOptions o;
         o.input_nc = r.integer("input_nc", 3);
         o.output_nc = r.integer("output_nc", 3);
         o.ngf = r.integer("ngf", 64);
         o.n_blocks = r.integer("n_blocks", 9);
         o.norm = parse_norm(r.text("norm", "instance"));
         o.use_dropout = r.boolean("use_dropout", false);
         return std::make_shared<ResnetGenerator>(o);
       }},
      {"patchgan",
       [](OptionReader& r) {
         PatchGanOptions o;
         o.input_nc = r.integer("input_nc", 3);
         o.ndf = r.integer("ndf", 64);
         o.n_layers = r.integer("n_layers", 3);
         o.norm = parse_norm(r.text("norm", "batch"));
         return std::make_shared<NLayerDiscriminator>(o);
       }},
  };
  return e;
}

}  // namespace

std::vector<std::string> model_names() {
  std::vector<std::string> out;
  for (const Entry& e : entries()) out.push_back(e.name);
  return out;
}

nn::ModulePtr make_model(const std::string& name, const Options& options) {
  for (const Entry& e : entries()) {
    if (name != e.name) continue;
    OptionReader r(name, options);
    nn::ModulePtr m = e.build(r);
    r.finish();
    return m;
  }
  std::string list;
  for (auto& n : model_names()) list += (list.empty() ? "" : ", ") + n;
  GANLITE_FAIL("unknown model '", name, "' (available: ", list, ")");
}

}  // namespace ganlite::gan
