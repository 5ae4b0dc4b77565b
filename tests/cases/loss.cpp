// Op cases: losses under each reduction, softmax and log-softmax over inner and outer dims, and
// cross entropy. Ranges keep inputs off the kinks of abs/relu (l1, hinge) by construction.
#include "../op_cases.h"

namespace ganlite::test {
namespace {

using V = std::vector<Tensor>;

CaseRegistrar reg({
    {"mse_loss",
     "mse_loss_mean",
     {{{3, 4}}, {{3, 4}}},
     [](const V& x) { return mse_loss(x[0], x[1]); }},
    {"mse_loss",
     "mse_loss_sum_transposed",
     {{{2, 5}, -1, 1, View::transposed}, {{2, 5}}},
     [](const V& x) { return mse_loss(x[0], x[1], Reduction::sum); }},
    {"mse_loss",
     "mse_loss_none",
     {{{7}}, {{7}}},
     [](const V& x) { return mse_loss(x[0], x[1], Reduction::none); }},
    // x - y > 0.2 or < -0.2 everywhere, so the gradient never meets |d| = 0.
    {"l1_loss",
     "l1_loss_mean_positive_diff",
     {{{3, 4}, 0.2, 1.5}, {{3, 4}, -1.5, 0.0}},
     [](const V& x) { return l1_loss(x[0], x[1]); }},
    {"l1_loss",
     "l1_loss_none_negative_diff_sliced",
     {{{2, 3}, -1.5, 0.0, View::sliced}, {{2, 3}, 0.2, 1.5}},
     [](const V& x) { return l1_loss(x[0], x[1], Reduction::none); }},
    // |d| spans [0, 2], across beta = 0.5 on both sides.
    {"smooth_l1_loss",
     "smooth_l1_loss_beta0p5_mean",
     {{{3, 5}}, {{3, 5}}},
     [](const V& x) { return smooth_l1_loss(x[0], x[1], 0.5); }},
    {"smooth_l1_loss",
     "smooth_l1_loss_beta1_none_transposed",
     {{{4, 3}, -2, 2, View::transposed}, {{4, 3}}},
     [](const V& x) { return smooth_l1_loss(x[0], x[1], 1.0, Reduction::none); }},
    {"bce_with_logits",
     "bce_with_logits_mean",
     {{{4, 3}, -4, 4}, {{4, 3}, 0, 1}},
     [](const V& x) { return bce_with_logits(x[0], x[1]); }},
    {"bce_with_logits",
     "bce_with_logits_sum_sliced",
     {{{2, 3}, -4, 4, View::sliced}, {{2, 3}, 0, 1}},
     [](const V& x) { return bce_with_logits(x[0], x[1], Reduction::sum); }},
    {"hinge_loss",
     "hinge_loss_real_sign_plus",
     {{{8}, -2, 2}},
     [](const V& x) { return hinge_loss(x[0], 1.0); }},
    {"hinge_loss",
     "hinge_loss_fake_sign_minus_transposed",
     {{{2, 3}, -2, 2, View::transposed}},
     [](const V& x) { return hinge_loss(x[0], -1.0); }},
    {"softmax", "softmax_last_dim", {{{3, 5}, -3, 3}}, [](const V& x) { return softmax(x[0], 1); }},
    {"softmax",
     "softmax_middle_dim_transposed",
     {{{2, 3, 4}, -3, 3, View::transposed}},
     [](const V& x) { return softmax(x[0], 1); }},
    {"softmax", "softmax_size1_dim", {{{4, 1}}}, [](const V& x) { return softmax(x[0], -1); }},
    {"log_softmax",
     "log_softmax_last_dim",
     {{{3, 5}, -5, 5}},
     [](const V& x) { return log_softmax(x[0], -1); }},
    {"log_softmax",
     "log_softmax_dim0_sliced",
     {{{4, 3}, -5, 5, View::sliced}},
     [](const V& x) { return log_softmax(x[0], 0); }},
    {"cross_entropy",
     "cross_entropy_5x4",
     {{{5, 4}, -3, 3}},
     [](const V& x) {
       return cross_entropy(x[0], from_vector<int64_t>({0, 3, 1, 1, 2}, {5}).to(x[0].device()));
     }},
    {"cross_entropy",
     "cross_entropy_transposed_logits",
     {{{3, 6}, -3, 3, View::transposed}},
     [](const V& x) {
       return cross_entropy(x[0], from_vector<int64_t>({5, 0, 5}, {3}).to(x[0].device()));
     }},
});

}  // namespace
}  // namespace ganlite::test
