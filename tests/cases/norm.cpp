// Op cases: batch norm (training with running stats, eval with fixed stats, rank 2), instance
// norm (affine and not) and group norm, on plain, transposed and sliced inputs; norm_mask_act
// (DMAD's fused norm -> mask -> activation) with masks holding 0 and values off 1, each norm and
// activation, and the mask a differentiated input.
#include "../op_cases.h"

namespace ganlite::test {
namespace {

using V = std::vector<Tensor>;

// A constant vector with like's dtype and device.
Tensor vec(std::vector<double> v, const Tensor& like) {
  Shape s{static_cast<int64_t>(v.size())};
  return from_vector(v, s).to(like.dtype()).to(like.device());
}

CaseRegistrar reg({
    // Running stats are fresh constants each call: they are updated in place, which does not
    // change a training-mode output.
    {"batch_norm",
     "batch_norm_train_affine_running",
     {{{4, 3, 2, 3}}, {{3}, 0.5, 1.5}, {{3}}},
     [](const V& x) {
       Tensor rm = zeros({3}, x[0].dtype(), x[0].device());
       Tensor rv = ones({3}, x[0].dtype(), x[0].device());
       return batch_norm(x[0], x[1], x[2], rm, rv, true);
     }},
    {"batch_norm",
     "batch_norm_eval_fixed_stats",
     {{{2, 3, 2, 2}, -1, 1, View::transposed}, {{3}, 0.5, 1.5}, {{3}}},
     [](const V& x) {
       Tensor rm = vec({0.1, -0.2, 0.3}, x[0]), rv = vec({0.5, 1.2, 0.8}, x[0]);
       return batch_norm(x[0], x[1], x[2], rm, rv, false);
     }},
    {"batch_norm",
     "batch_norm_rank2_no_running_transposed",
     {{{5, 4}, -1, 1, View::transposed}, {{4}, 0.5, 1.5}, {{4}}},
     [](const V& x) { return batch_norm(x[0], x[1], x[2], Tensor(), Tensor(), true); }},
    {"batch_norm",
     "batch_norm_no_affine_sliced",
     {{{3, 2, 5}, -1, 1, View::sliced}},
     [](const V& x) { return batch_norm(x[0], Tensor(), Tensor(), Tensor(), Tensor(), true); }},
    // Slimmable batch norm: leading slices of wider weight, bias and running statistics, the
    // running update writing through the views into their parents.
    {"batch_norm",
     "batch_norm_train_sliced_params",
     {{{3, 2, 2, 3}}, {{4}, 0.5, 1.5}, {{4}}},
     [](const V& x) {
       Tensor rm = zeros({4}, x[0].dtype(), x[0].device());
       Tensor rv = ones({4}, x[0].dtype(), x[0].device());
       return batch_norm(x[0], x[1].slice(0, 0, 2), x[2].slice(0, 0, 2), rm.slice(0, 0, 2),
                         rv.slice(0, 0, 2), true);
     }},
    {"instance_norm",
     "instance_norm_affine",
     {{{2, 3, 3, 4}}, {{3}, 0.5, 1.5}, {{3}}},
     [](const V& x) { return instance_norm(x[0], x[1], x[2]); }},
    {"instance_norm",
     "instance_norm_plain_sliced_rank3",
     {{{2, 2, 5}, -1, 1, View::sliced}},
     [](const V& x) { return instance_norm(x[0]); }},
    {"group_norm",
     "group_norm_2_groups_affine",
     {{{2, 4, 3, 3}}, {{4}, 0.5, 1.5}, {{4}}},
     [](const V& x) { return group_norm(x[0], 2, x[1], x[2]); }},
    {"group_norm",
     "group_norm_3_groups_transposed_no_affine",
     {{{2, 6, 5, 2}, -1, 1, View::transposed}},
     [](const V& x) { return group_norm(x[0], 3); }},
    {"norm_mask_act",
     "norm_mask_act_instance_relu",
     {{{2, 3, 3, 4}}, {{3}, -1.0, 1.0}},
     [](const V& x) {
       MaskedNorm o;
       return norm_mask_act(x[0], Tensor(), Tensor(), Tensor(), Tensor(), x[1], o);
     }},
    {"norm_mask_act",
     "norm_mask_act_instance_affine_leaky_transposed",
     {{{2, 4, 3, 3}, -1, 1, View::transposed}, {{4}, 0.5, 1.5}, {{4}}, {{4}, 0.2, 1.2}},
     [](const V& x) {
       MaskedNorm o;
       o.act = MaskedNorm::Act::leaky_relu;
       return norm_mask_act(x[0], x[1], x[2], Tensor(), Tensor(), x[3], o);
     }},
    {"norm_mask_act",
     "norm_mask_act_batch_train_affine_relu_running",
     {{{4, 3, 2, 3}}, {{3}, 0.5, 1.5}, {{3}}, {{3}, -1.0, 1.0}},
     [](const V& x) {
       Tensor rm = zeros({3}, x[0].dtype(), x[0].device());
       Tensor rv = ones({3}, x[0].dtype(), x[0].device());
       MaskedNorm o;
       o.norm = MaskedNorm::Norm::batch;
       return norm_mask_act(x[0], x[1], x[2], rm, rv, x[3], o);
     }},
    {"norm_mask_act",
     "norm_mask_act_batch_eval_no_act_sliced",
     {{{2, 3, 2, 2}, -1, 1, View::sliced}, {{3}, 0.5, 1.5}, {{3}}, {{3}, -1.0, 1.0}},
     [](const V& x) {
       Tensor rm = vec({0.1, -0.2, 0.3}, x[0]), rv = vec({0.5, 1.2, 0.8}, x[0]);
       MaskedNorm o;
       o.norm = MaskedNorm::Norm::batch;
       o.training = false;
       o.act = MaskedNorm::Act::none;
       return norm_mask_act(x[0], x[1], x[2], rm, rv, x[3], o);
     }},
    // A mask with an exact 0 (a pruned channel): no gradient flows into the channel's input.
    {"norm_mask_act",
     "norm_mask_act_zero_mask_channel",
     {{{2, 3, 2, 3}}, {{3}}},
     [](const V& x) {
       MaskedNorm o;
       o.act = MaskedNorm::Act::none;
       return norm_mask_act(x[0], Tensor(), x[1], Tensor(), Tensor(), vec({0.0, 0.7, -1.3}, x[0]),
                            o);
     }},
});

}  // namespace
}  // namespace ganlite::test
