// MAC counting by forward hooks on the leaf modules. Rules (torchprofile's handlers): conv and
// transposed conv: numel(out) * ic * kh * kw, where ic is weight.shape[1] when out channels equal
// weight.shape[0] and weight.shape[0] otherwise (so a transposed conv is counted on its output
// grid); linear: numel(out) * in_features; batch/instance/group norm: numel(out) if affine, else
// 0; leaky_relu: numel(out); bilinear upsampling: 4 * numel(out); ReLU, tanh, sigmoid, pads,
// nearest upsampling, max pooling, dropout, identity and residual adds: 0. A module whose
// Module::macs() returns >= 0 gives its own count instead (e.g. StyleGAN2's modulated convolution;
// the spectral-norm, slim and conditional layers of nn/spectral_norm.h, slim.h and cond_bn.h).
#include "nn/profile.h"

#include <tuple>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "nn/cond_bn.h"
#include "nn/layers.h"

namespace ganlite::nn {
namespace {

double numel(const Tensor& t) {
  return static_cast<double>(t.numel());
}

// (torchprofile, true) MACs of one leaf module's call.
std::pair<double, double> count(Module& m, const Tensor& in, const Tensor& out) {
  double own = m.macs(in, out);  // a module that counts itself overrides every rule below
  if (own >= 0) return {own, m.macs_true(in, out)};
  if (auto* c = dynamic_cast<Conv2d*>(&m)) {
    double macs = conv2d_macs(out, c->weight.shape());
    return {macs, macs};
  }
  if (auto* c = dynamic_cast<ConvTranspose2d*>(&m))
    return conv_transpose2d_macs(in, out, c->weight.shape());
  if (auto* l = dynamic_cast<Linear*>(&m)) {
    double macs = linear_macs(out, l->weight.shape()[1]);
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

double conv2d_macs(const Tensor& out, const Shape& w) {
  return numel(out) * w[1] * w[2] * w[3];
}

std::pair<double, double> conv_transpose2d_macs(const Tensor& in, const Tensor& out,
                                                const Shape& w) {
  // torchprofile reads the weight as (C_out, C_in, ...) when its dim 0 equals the output
  // channels, else as (C_in, C_out, ...): the same C_in unless groups > 1.
  double ic = out.shape()[1] == w[0] ? w[1] : w[0];
  return {numel(out) * ic * w[2] * w[3], numel(in) * w[1] * w[2] * w[3]};
}

double linear_macs(const Tensor& out, int64_t in_features) {
  return numel(out) * static_cast<double>(in_features);
}

Profile profile(Module& model, const Shape& input) {
  // The probe input and labels go where the model's parameters are.
  std::vector<Tensor> params = model.parameters();
  Device device = params.empty() ? Device::cpu : params[0].device();
  // Class-conditional modules run with label 0 for every sample (MACs do not depend on the
  // label); their own labels are put back afterwards.
  std::vector<std::pair<LabelConditioned*, Tensor>> labelled;
  for (auto& [name, m] : model.named_modules())
    if (auto* c = dynamic_cast<LabelConditioned*>(m)) labelled.emplace_back(c, c->labels());
  if (!labelled.empty()) {
    GANLITE_CHECK(!input.empty(), "profile: a class-conditional model needs a batch dimension");
    for (auto& [c, y] : labelled) c->set_labels(zeros({input[0]}, DType::i64, device));
  }
  Profile p;
  std::vector<std::pair<Module*, int>> hooked;
  for (auto& [name, m] : model.named_modules()) {
    Module* mod = m;
    std::string n = name;
    bool leaf = !m->has_children();
    int id = m->register_forward_hook([&p, mod, n, leaf](const Tensor& in, const Tensor& out) {
      // A container is a layer only when it counts its own MACs (Module::macs), and then holds
      // only its own parameters: its children are layers of their own.
      if (!leaf && mod->macs(in, out) < 0) return;
      LayerProfile l;
      l.name = n;
      l.type = mod->type_name();
      l.output = out.shape();
      for (auto& [pn, t] : mod->named_parameters())
        if (leaf || pn.find('.') == std::string::npos) l.params += t.numel();
      std::tie(l.macs_torchprofile, l.macs_true) = count(*mod, in, out);
      p.layers.push_back(l);
    });
    hooked.emplace_back(m, id);
  }
  auto restore = [&] {
    for (auto& [m, id] : hooked) m->remove_forward_hook(id);
    for (auto& [c, y] : labelled) c->set_labels(y);
  };
  bool was_training = model.is_training();
  model.eval();
  try {
    NoGradGuard ng;
    model(zeros(input, DType::f32, device));
  } catch (...) {
    restore();
    model.train(was_training);
    throw;
  }
  restore();
  model.train(was_training);
  p.params = model.num_parameters();
  for (const LayerProfile& l : p.layers) {
    p.macs_torchprofile += l.macs_torchprofile;
    p.macs_true += l.macs_true;
  }
  return p;
}

}  // namespace ganlite::nn
