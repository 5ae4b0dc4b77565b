// CRD's style and feature terms (techniques.md sec. 5.3) on the activations of a frozen feature
// network (VGG16 at relu1_2, relu2_2, relu3_3, relu4_3 in the reference; gan/models/vgg16.h):
//   Gram(F)  = F F^T / (C H W) per sample, F the (C, H*W) activations        (B, C, C)
//   style    = sum over layers l of mean |Gram(phi_l(S)) - Gram(phi_l(T))|
//   feature  = mean |phi(S) - phi(T)| at one layer (relu2_2 in the reference)
// The teacher's side carries no gradient.
#pragma once
#include <vector>

#include "engine/tensor.h"

namespace ganlite::compress {

Tensor gram_matrix(const Tensor& features);
Tensor style_loss(const std::vector<Tensor>& student, const std::vector<Tensor>& teacher);
Tensor feature_loss(const Tensor& student, const Tensor& teacher);

}  // namespace ganlite::compress
