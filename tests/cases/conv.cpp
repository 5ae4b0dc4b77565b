// Op cases: conv2d, conv_transpose2d, conv2d_weight, unfold. Small shapes (gradcheck runs two
// forwards per input element) covering padding, stride, dilation, groups, depthwise, 1x1 (both the
// copying and the in-place path), batches that share a tile, odd and asymmetric sizes, strided
// views, no bias.
#include "../op_cases.h"

namespace ganlite::test {
namespace {

using V = std::vector<Tensor>;

CaseRegistrar reg({
    // ---- conv2d(x, w, b, stride, padding, dilation, groups)
    {"conv2d",
     "conv2d_3x3_pad1",
     {{{2, 3, 5, 5}}, {{4, 3, 3, 3}}, {{4}}},
     [](const V& x) {
       return conv2d(x[0], x[1], x[2], {1, 1}, {1, 1});
     }},
    {"conv2d",
     "conv2d_stride2_pad1",
     {{{2, 2, 7, 7}}, {{3, 2, 3, 3}}, {{3}}},
     [](const V& x) {
       return conv2d(x[0], x[1], x[2], {2, 2}, {1, 1});
     }},
    {"conv2d",
     "conv2d_dilation2_batch1",
     {{{1, 2, 7, 7}}, {{3, 2, 3, 3}}, {{3}}},
     [](const V& x) {
       return conv2d(x[0], x[1], x[2], {1, 1}, {1, 1}, {2, 2});
     }},
    {"conv2d",
     "conv2d_groups2",
     {{{2, 4, 5, 5}}, {{6, 2, 3, 3}}, {{6}}},
     [](const V& x) {
       return conv2d(x[0], x[1], x[2], {1, 1}, {1, 1}, {1, 1}, 2);
     }},
    // groups == C with a channel multiplier of 2.
    {"conv2d",
     "conv2d_depthwise",
     {{{2, 3, 6, 6}}, {{6, 1, 3, 3}}, {{6}}},
     [](const V& x) {
       return conv2d(x[0], x[1], x[2], {1, 1}, {1, 1}, {1, 1}, 3);
     }},
    // Channel multiplier 1 (the separable blocks' layer), stride 2, dilation 2, odd sizes.
    {"conv2d",
     "conv2d_depthwise_strided_dilated",
     {{{2, 3, 9, 8}}, {{3, 1, 3, 3}}, {{3}}},
     [](const V& x) {
       return conv2d(x[0], x[1], x[2], {2, 1}, {2, 1}, {2, 1}, 3);
     }},
    // With 8 small images the kernels put several images in one tile (on up to 2 threads): the
    // gathered/scattered path, which batches of 1 or 2 never take.
    {"conv2d",
     "conv2d_1x1_batch8",
     {{{8, 4, 4, 4}}, {{3, 4, 1, 1}}, {{3}}},
     [](const V& x) { return conv2d(x[0], x[1], x[2]); }},
    {"conv2d",
     "conv2d_batch8_multi_image_tiles",
     {{{8, 2, 3, 3}}, {{3, 2, 2, 2}}, {{3}}},
     [](const V& x) {
       return conv2d(x[0], x[1], x[2], {1, 1}, {1, 1});
     }},
    // Large enough (P*Q >= 256) for the GEMMs to read x and write y in place, one image each.
    {"conv2d",
     "conv2d_1x1_in_place_per_image",
     {{{2, 1, 32, 32}}, {{2, 1, 1, 1}}, {{2}}},
     [](const V& x) { return conv2d(x[0], x[1], x[2]); }},
    {"conv2d",
     "conv2d_odd_sizes_asymmetric",
     {{{2, 2, 5, 7}}, {{3, 2, 2, 3}}, {{3}}},
     [](const V& x) {
       return conv2d(x[0], x[1], x[2], {2, 1}, {1, 0}, {1, 2});
     }},
    {"conv2d",
     "conv2d_transposed_input",
     {{{2, 3, 5, 4}, -1, 1, View::transposed}, {{2, 3, 3, 3}}, {{2}}},
     [](const V& x) {
       return conv2d(x[0], x[1], x[2], {1, 1}, {1, 1});
     }},
    {"conv2d",
     "conv2d_no_bias",
     {{{2, 3, 5, 5}}, {{2, 3, 3, 3}}},
     [](const V& x) {
       return conv2d(x[0], x[1], Tensor(), {2, 1}, {0, 1});
     }},

    // ---- conv_transpose2d(x, w, b, stride, padding, output_padding, groups, dilation)
    {"conv_transpose2d",
     "convt_stride2_pad1_outpad1",
     {{{2, 3, 3, 3}}, {{3, 2, 3, 3}}, {{2}}},
     [](const V& x) {
       return conv_transpose2d(x[0], x[1], x[2], {2, 2}, {1, 1}, {1, 1});
     }},
    // The DCGAN generator's upsampling layer: 4x4, stride 2, padding 1.
    {"conv_transpose2d",
     "convt_4x4_stride2",
     {{{2, 3, 3, 3}}, {{3, 2, 4, 4}}, {{2}}},
     [](const V& x) {
       return conv_transpose2d(x[0], x[1], x[2], {2, 2}, {1, 1});
     }},
    {"conv_transpose2d",
     "convt_groups2",
     {{{2, 4, 3, 3}}, {{4, 2, 3, 3}}, {{4}}},
     [](const V& x) {
       return conv_transpose2d(x[0], x[1], x[2], {2, 2}, {1, 1}, {0, 0}, 2);
     }},
    {"conv_transpose2d",
     "convt_dilation2",
     {{{1, 2, 4, 4}}, {{2, 3, 3, 3}}, {{3}}},
     [](const V& x) {
       return conv_transpose2d(x[0], x[1], x[2], {1, 1}, {1, 1}, {0, 0}, 1, {2, 2});
     }},
    // output_padding 1 >= stride 1 is allowed below dilation 2: rows only the bias reaches.
    {"conv_transpose2d",
     "convt_outpad_beyond_stride",
     {{{1, 2, 3, 4}}, {{2, 2, 2, 3}}, {{2}}},
     [](const V& x) {
       return conv_transpose2d(x[0], x[1], x[2], {1, 1}, {0, 1}, {1, 1}, 1, {2, 2});
     }},
    {"conv_transpose2d",
     "convt_batch8_multi_image_tiles",
     {{{8, 2, 3, 3}}, {{2, 3, 2, 2}}, {{3}}},
     [](const V& x) {
       return conv_transpose2d(x[0], x[1], x[2], {2, 2});
     }},
    {"conv_transpose2d",
     "convt_stride1_no_bias",
     {{{2, 3, 4, 4}}, {{3, 2, 3, 3}}},
     [](const V& x) { return conv_transpose2d(x[0], x[1]); }},

    // ---- conv2d_weight(x, dy, weight shape, stride, padding, dilation, groups)
    {"conv2d_weight",
     "conv2d_weight_3x3_pad1",
     {{{2, 3, 5, 5}}, {{2, 4, 5, 5}}},
     [](const V& x) {
       return conv2d_weight(x[0], x[1], {4, 3, 3, 3}, {1, 1}, {1, 1});
     }},
    // A row of x past the last output row (stride 2 drops it), groups, dilation, a strided view.
    {"conv2d_weight",
     "conv2d_weight_strided_grouped_dilated",
     {{{2, 4, 10, 8}}, {{2, 6, 5, 8}, -1, 1, View::transposed}},
     [](const V& x) {
       return conv2d_weight(x[0], x[1], {6, 2, 3, 3}, {2, 1}, {2, 1}, {2, 1}, 2);
     }},
    // The weight gradient of convt_outpad_beyond_stride: a spare row and column below dilation.
    {"conv2d_weight",
     "conv2d_weight_beyond_stride",
     {{{1, 2, 6, 7}}, {{1, 2, 3, 4}}},
     [](const V& x) {
       return conv2d_weight(x[0], x[1], {2, 2, 2, 3}, {1, 1}, {0, 1}, {2, 2});
     }},

    // ---- unfold(x, kernel, dilation, padding, stride)
    {"unfold",
     "unfold_3x3_pad1",
     {{{2, 2, 4, 4}}},
     [](const V& x) {
       return unfold(x[0], {3, 3}, {1, 1}, {1, 1});
     }},
    {"unfold",
     "unfold_2x3_dilated_strided",
     {{{1, 3, 6, 7}, -1, 1, View::transposed}},
     [](const V& x) {
       return unfold(x[0], {2, 3}, {2, 1}, {0, 1}, {2, 2});
     }},
});

}  // namespace
}  // namespace ganlite::test
