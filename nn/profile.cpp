// MAC counting by forward hooks on the leaf modules. Rules (torchprofile's handlers): conv and
// transposed conv: numel(out) * ic * kh * kw, where ic is weight.shape[1] when out channels equal
// weight.shape[0] and weight.shape[0] otherwise (so a transposed conv is counted on its output
// grid); linear: numel(out) * in_features; batch/instance/group norm: numel(out) if affine, else
// 0; leaky_relu: numel(out); bilinear upsampling: 4 * numel(out); ReLU, tanh, sigmoid, pads,
// nearest upsampling, dropout, identity and residual adds: 0.
#include "nn/profile.h"

#include <tuple>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "nn/layers.h"

namespace ganlite::nn {
namespace {

double numel(const Tensor& t) {
  return static_cast<double>(t.numel());
}

// (torchprofile, true) MACs of one leaf module's call.
std::pair<double, double> count(Module& m, const Tensor& in, const Tensor& out) {
  if (auto* c = dynamic_cast<Conv2d*>(&m)) {
    const Shape& w = c->weight.shape();
    double macs = numel(out) * w[1] * w[2] * w[3];
    return {macs, macs};
  }
  if (auto* c = dynamic_cast<ConvTranspose2d*>(&m)) {
    const Shape& w = c->weight.shape();  // (C_in, C_out/groups, kh, kw)
    double ic = out.shape()[1] == w[0] ? w[1] : w[0];
    return {numel(out) * ic * w[2] * w[3], numel(in) * w[1] * w[2] * w[3]};
  }
  if (auto* l = dynamic_cast<Linear*>(&m)) {
    double macs = numel(out) * l->weight.shape()[1];
    return {macs, macs};
  }
  auto* bn = dynamic_cast<BatchNorm2d*>(&m);
  auto* in_norm = dynamic_cast<InstanceNorm2d*>(&m);
  auto* gn = dynamic_cast<GroupNorm*>(&m);
  bool affine_norm = (bn && bn->weight.defined()) || (in_norm && in_norm->weight.defined()) ||
                     (gn && gn->weight.defined());
  if (affine_norm || dynamic_cast<LeakyReLU*>(&m)) return {numel(out), numel(out)};
  auto* up = dynamic_cast<Upsample*>(&m);
  if (up && up->bilinear()) return {4 * numel(out), 4 * numel(out)};
  return {0, 0};
}

}  // namespace

Profile profile(Module& model, const Shape& input) {
  Profile p;
  std::vector<std::pair<Module*, int>> hooked;
  for (auto& [name, m] : model.named_modules()) {
    if (m->has_children()) continue;
    Module* mod = m;
    std::string n = name;
    int id = m->register_forward_hook([&p, mod, n](const Tensor& in, const Tensor& out) {
      LayerProfile l;
      l.name = n;
      l.type = mod->type_name();
      l.output = out.shape();
      for (auto& [pn, t] : mod->named_parameters()) l.params += t.numel();
      std::tie(l.macs_torchprofile, l.macs_true) = count(*mod, in, out);
      p.layers.push_back(l);
    });
    hooked.emplace_back(m, id);
  }
  bool was_training = model.is_training();
  model.eval();
  try {
    NoGradGuard ng;
    model(zeros(input));
  } catch (...) {
    for (auto& [m, id] : hooked) m->remove_forward_hook(id);
    model.train(was_training);
    throw;
  }
  for (auto& [m, id] : hooked) m->remove_forward_hook(id);
  model.train(was_training);
  p.params = model.num_parameters();
  for (const LayerProfile& l : p.layers) {
    p.macs_torchprofile += l.macs_torchprofile;
    p.macs_true += l.macs_true;
  }
  return p;
}

}  // namespace ganlite::nn
