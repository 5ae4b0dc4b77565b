#include "nn/capture.h"

#include "engine/error.h"

namespace ganlite::nn {

FeatureCapture::FeatureCapture(Module& net, const std::vector<std::string>& names) {
  for (const std::string& n : names) {
    GANLITE_CHECK(!outputs_.count(n), "FeatureCapture: '", n, "' is named twice");
    Module* m = net.submodule(n);
    outputs_[n];
    names_.push_back(n);
    std::vector<Tensor>* slot = &outputs_[n];
    hooks_.emplace_back(m, m->register_forward_hook(
                               [slot](const Tensor&, const Tensor& y) { slot->push_back(y); }));
  }
}

FeatureCapture::~FeatureCapture() {
  for (auto& [m, id] : hooks_) m->remove_forward_hook(id);
}

const std::vector<Tensor>& FeatureCapture::calls(const std::string& name) const {
  auto it = outputs_.find(name);
  GANLITE_CHECK(it != outputs_.end(), "FeatureCapture: '", name, "' is not captured");
  return it->second;
}

const Tensor& FeatureCapture::at(const std::string& name, int64_t index) const {
  const std::vector<Tensor>& c = calls(name);
  const int64_t n = static_cast<int64_t>(c.size());
  const int64_t i = index < 0 ? n + index : index;
  GANLITE_CHECK(i >= 0 && i < n, "FeatureCapture: call ", index, " of '", name, "' asked for, ", n,
                " call(s) recorded");
  return c[i];
}

void FeatureCapture::clear() {
  for (auto& [n, v] : outputs_) v.clear();
}

}  // namespace ganlite::nn
