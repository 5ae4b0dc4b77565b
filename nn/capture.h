// Feature capture for distillation on intermediate features: while a FeatureCapture is alive,
// every call of the named submodules appends its output, in call order (a CycleGAN step runs G
// three times: three entries). The entries keep their autograd graph, so a loss on a captured
// feature trains the network like the same loss written inline; the hooks and the tensors go
// when the capture ends.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "nn/module.h"

namespace ganlite::nn {

class FeatureCapture {
 public:
  // An error lists the submodules when a name is not one of net's (named_modules' dotted names).
  FeatureCapture(Module& net, const std::vector<std::string>& names);
  ~FeatureCapture();
  FeatureCapture(const FeatureCapture&) = delete;
  FeatureCapture& operator=(const FeatureCapture&) = delete;

  // Every output of `name` since the capture began (or since clear()), oldest first.
  const std::vector<Tensor>& calls(const std::string& name) const;
  // Output of call `index` (negative: from the end); an error names the module and the count.
  const Tensor& at(const std::string& name, int64_t index) const;
  const std::vector<std::string>& names() const { return names_; }
  void clear();

 private:
  std::vector<std::string> names_;
  std::vector<std::pair<Module*, int>> hooks_;
  std::map<std::string, std::vector<Tensor>> outputs_;
};

}  // namespace ganlite::nn
