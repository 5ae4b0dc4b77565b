// Gradient penalties, built on double backward (engine/autograd.h, create_graph): each takes the
// gradient of D's output with respect to D's input as a differentiable tensor, so the penalty
// trains D's parameters. Means are over the batch of per-sample squared norms, as StyleGAN2
// (r1_penalty) and pytorch-CycleGAN-and-pix2pix (cal_gradient_penalty) compute them; the
// weights (gamma / 2, lambda) are the trainer's.
#pragma once
#include "engine/random.h"
#include "engine/tensor.h"

namespace ganlite::gan {

// R1 (Mescheder et al. 2018, eq. 9 without gamma / 2): mean_n ||d sum(D(x)) / d x_n||^2, for
// logits = D(x) and x (real images) requiring grad.
Tensor r1_penalty(const Tensor& logits, const Tensor& x);

// WGAN-GP (Gulrajani et al. 2017, eq. 3 without lambda): mean_n (||d sum(D(x)) / d x_n|| - 1)^2
// at x requiring grad (interpolates of real and fake, see interpolate_for_gp).
Tensor gradient_penalty(const Tensor& logits, const Tensor& x);

// x = a + t (b - a) with one t ~ U(0, 1) per sample from gen, detached from a and b and
// requiring grad: where WGAN-GP evaluates D.
Tensor interpolate_for_gp(const Tensor& real, const Tensor& fake, Generator& gen);

// StyleGAN2's path-length regulariser (Karras et al. 2020, sec. 3.2, eq. 4) for images = g(ws),
// ws (N, L, w_dim) one w per layer: with y ~ N(0, I) / sqrt(H W) the lengths are
// l_n = sqrt(mean_l |(J^T y)_{n,l}|^2), the running mean a (a 0-dim tensor, updated in place)
// moves by `decay` toward mean_n l_n, and the penalty is mean_n (l_n - a)^2, a taken before
// detaching as the official code does. The mean length is returned in *mean_length.
Tensor path_length_penalty(const Tensor& images, const Tensor& ws, Tensor& running_mean,
                           double decay, Generator& gen, double* mean_length = nullptr);

}  // namespace ganlite::gan
