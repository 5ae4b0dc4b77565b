// Conditional batch norm and the projection head (see cond_bn.h for the papers).
#include "nn/cond_bn.h"

#include "engine/autograd.h"
#include "engine/ops.h"

namespace ganlite::nn {

void LabelConditioned::set_labels(const Tensor& labels) {
  labels_ = labels;
}

const Tensor& LabelConditioned::labels_for(const char* who, int64_t batch) const {
  GANLITE_CHECK(labels_.defined(), who, ": no labels; call set_labels(y) or forward(x, y)");
  GANLITE_CHECK(labels_.dtype() == DType::i64 && labels_.dim() == 1 && labels_.size(0) == batch,
                who, ": labels must be i64 of shape [", batch, "], got ", labels_.shape_str(), " ",
                dtype_name(labels_.dtype()));
  return labels_;
}

void set_labels(Module& net, const Tensor& labels) {
  for (auto& [name, m] : net.named_modules())
    if (auto* c = dynamic_cast<LabelConditioned*>(m)) c->set_labels(labels);
}

ConditionalBatchNorm2d::ConditionalBatchNorm2d(int64_t c, int64_t num_classes, double eps,
                                               double momentum)
    : LabelConditioned(num_classes), channels(c) {
  GANLITE_CHECK(c > 0 && num_classes > 0, "ConditionalBatchNorm2d: channels (", c,
                ") and num_classes (", num_classes, ") must be positive");
  bn = register_module("bn", std::make_shared<BatchNorm2d>(c, eps, momentum, false));
  embed = register_module("embed", std::make_shared<Embedding>(num_classes, 2 * c));
  NoGradGuard ng;
  embed->weight.slice(1, 0, c).fill_(1.0);
  embed->weight.slice(1, c, c).fill_(0.0);
}

Tensor ConditionalBatchNorm2d::forward(const Tensor& x) {
  GANLITE_CHECK(x.dim() == 4 && x.size(1) == channels,
                "ConditionalBatchNorm2d: expected input (N, ", channels, ", H, W), got ",
                x.shape_str());
  const Tensor& y = labels_for("ConditionalBatchNorm2d", x.size(0));
  Tensor gb = (*embed)(y);  // (N, 2C)
  Tensor gamma = gb.slice(1, 0, channels).unsqueeze(2).unsqueeze(3);
  Tensor beta = gb.slice(1, channels, channels).unsqueeze(2).unsqueeze(3);
  return (*bn)(x)*gamma + beta;
}

ProjectionHead::ProjectionHead(int64_t features, int64_t num_classes, bool spectral_norm)
    : LabelConditioned(num_classes) {
  if (spectral_norm) {
    linear = register_module("linear", std::make_shared<SNLinear>(features, 1));
    embed = register_module("embed", std::make_shared<SNEmbedding>(num_classes, features));
  } else {
    linear = register_module("linear", std::make_shared<Linear>(features, 1));
    embed = register_module("embed", std::make_shared<Embedding>(num_classes, features));
  }
}

Tensor ProjectionHead::forward(const Tensor& h) {
  GANLITE_CHECK(h.dim() == 2, "ProjectionHead: expected features (N, C), got ", h.shape_str());
  const Tensor& y = labels_for("ProjectionHead", h.size(0));
  return (*linear)(h) + sum((*embed)(y)*h, {1}, true);
}

}  // namespace ganlite::nn
