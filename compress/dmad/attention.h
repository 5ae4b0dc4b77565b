// DMAD's co-attention distillation (techniques.md sec. 3.5) for the fine-tune stage:
//   A(F)    = mean over channels of F^2                                   (B, 1, H, W)
//   n(A)    = each sample's flattened map divided by max(|A_b|_2, 1e-12)  (B, H*W)
//   L_att   = sum over hook points l of mean_{b,i} (n(T_l) - n(A(S_l)))^2,
//             T_l = 0.5 A(teacher G's feature) + 0.5 A(teacher D's feature on the student's fake)
// The teacher G's side is detached; the teacher D's is not (it ran on the student's fake, and the
// student learns through it too), as in the reference. A D map of another size than the hook's
// is area-resized (average pooling by the integer ratio, every sample, differentiably).
//   L_D     = || D_t(G_s(x)) - D_t(G_t(x)) ||_F over the whole batch tensor: not squared, not
//             averaged; the teacher-fake side detached.
#pragma once
#include <vector>

#include "engine/tensor.h"

namespace ganlite::compress {

Tensor attention_map(const Tensor& features);
Tensor normalized_attention(const Tensor& map);
// One hook point per entry; teacher_d[l] may be larger than student[l] by an integer factor.
Tensor co_attention_loss(const std::vector<Tensor>& student, const std::vector<Tensor>& teacher_g,
                         const std::vector<Tensor>& teacher_d);
Tensor d_feature_distance(const Tensor& on_student_fake, const Tensor& on_teacher_fake);

}  // namespace ganlite::compress
