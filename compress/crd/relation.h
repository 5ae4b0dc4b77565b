// Relational knowledge distillation (Park et al., CVPR 2019, "Relational Knowledge Distillation"),
// the losses CRD applies to slices of a generator's output (techniques.md sec. 5). Items are the
// rows of x: (N, D) for one set, or (B, N, D) for B independent sets (each set its own distance
// matrix and normalisation). The teacher side never carries a gradient.
//
// Distances  psi_D(i, j) = |x_i - x_j| (0 on the diagonal), each matrix divided by the mean of its
//            positive entries; loss smooth-L1 (beta 1), mean over every entry.
// Angles     psi_A(i, j, k) = <e_ij, e_ik>, e_ij = (x_j - x_i) / max(|x_j - x_i|, 1e-12); loss
//            smooth-L1, mean over every entry.
// RKD        1 * distance + 2 * angle.
//
// The angles come from the Gram matrix G of the centred items: <x_j - x_i, x_k - x_i> =
// G_jk - G_ij - G_ik + G_ii and |x_j - x_i|^2 = G_jj - 2 G_ij + G_ii, so the cost is
// O(N^2 D + N^3) with an (N, N, N) result and no (N, N, D) buffer of differences (200 MB for the
// 256 rows of a 3x256x256 output). Cancellation makes the Gram form blind to differences below
// about 64 epsilon of the items' squared norms: such pairs (exact duplicates among them, whose
// difference the direct form normalises to the zero vector) get angle 0, as the diagonal does,
// and the cosines are clamped to [-1, 1].
#pragma once
#include "engine/tensor.h"

namespace ganlite::compress {

// (.., N, D) -> (.., N, N): |x_i - x_j|, through the Gram matrix (squared distances clamped at
// 1e-12 before the root, as RKD's pdist), 0 on the diagonal.
Tensor pairwise_distances(const Tensor& x);
// (.., N, D) -> (.., N, N, N): <e_ij, e_ik> by the Gram form above.
Tensor triplet_angles(const Tensor& x);
// The same through the (.., N, N, D) tensor of normalised differences (the reference's form; for
// tests and the benchmark).
Tensor triplet_angles_direct(const Tensor& x);

Tensor rkd_distance_loss(const Tensor& student, const Tensor& teacher);
Tensor rkd_angle_loss(const Tensor& student, const Tensor& teacher);
// distance + 2 * angle
Tensor rkd_loss(const Tensor& student, const Tensor& teacher);

// CRD's slicings of images (B, C, H, W) into one item set per sample (views where the layout
// allows, else copies; differentiable):
//   rows     (B, H, C*W): row strip i holds every channel of row i
//   columns  (B, W, C*H)
//   patches  (B, (H/p)*(W/p), C*p*p): the non-overlapping p x p patches, row-major; H and W must
//            be multiples of p
Tensor slice_rows(const Tensor& images);
Tensor slice_columns(const Tensor& images);
Tensor slice_patches(const Tensor& images, int64_t p);

}  // namespace ganlite::compress
