// Op cases: reflection and zero padding, nearest and bilinear upsampling, average and max pooling,
// with asymmetric pads, size-1 planes, odd sizes and non-contiguous inputs.
#include "../op_cases.h"

namespace ganlite::test {
namespace {

using V = std::vector<Tensor>;

CaseRegistrar reg({
    {"reflection_pad2d",
     "reflection_pad2d_asymmetric",
     {{{1, 2, 4, 5}}},
     [](const V& x) {
       return reflection_pad2d(x[0], {1, 2, 3, 1});
     }},
    {"reflection_pad2d",
     "reflection_pad2d_transposed_max_pad",
     {{{2, 1, 3, 4}, -1, 1, View::transposed}},
     [](const V& x) {
       return reflection_pad2d(x[0], {3, 0, 2, 2});
     }},
    {"zero_pad2d",
     "zero_pad2d_asymmetric",
     {{{2, 1, 3, 3}}},
     [](const V& x) {
       return zero_pad2d(x[0], {2, 0, 1, 3});
     }},
    {"zero_pad2d",
     "zero_pad2d_sliced",
     {{{1, 2, 2, 3}, -1, 1, View::sliced}},
     [](const V& x) {
       return zero_pad2d(x[0], {1, 1, 0, 2}) * 1.0;
     }},
    {"upsample_nearest2d",
     "upsample_nearest2d_x2",
     {{{1, 2, 3, 4}}},
     [](const V& x) { return upsample_nearest2d(x[0], 2); }},
    {"upsample_nearest2d",
     "upsample_nearest2d_x3_transposed",
     {{{1, 1, 2, 3}, -1, 1, View::transposed}},
     [](const V& x) { return upsample_nearest2d(x[0], 3); }},
    {"upsample_bilinear2d",
     "upsample_bilinear2d_x2",
     {{{1, 2, 3, 5}}},
     [](const V& x) { return upsample_bilinear2d(x[0], 2); }},
    {"upsample_bilinear2d",
     "upsample_bilinear2d_x3_sliced",
     {{{1, 1, 4, 2}, -1, 1, View::sliced}},
     [](const V& x) { return upsample_bilinear2d(x[0], 3); }},
    {"upsample_bilinear2d",
     "upsample_bilinear2d_size1_height",
     {{{2, 1, 1, 3}}},
     [](const V& x) { return upsample_bilinear2d(x[0], 2); }},
    {"avg_pool2d",
     "avg_pool2d_k3_s2_pad1",
     {{{1, 2, 5, 6}}},
     [](const V& x) { return avg_pool2d(x[0], 3, 2, 1); }},
    {"avg_pool2d",
     "avg_pool2d_k2_default_stride_odd",
     {{{2, 1, 5, 4}}},
     [](const V& x) { return avg_pool2d(x[0], 2); }},
    {"avg_pool2d",
     "avg_pool2d_k3_s1_pad1_transposed",
     {{{1, 1, 4, 5}, -1, 1, View::transposed}},
     [](const V& x) { return avg_pool2d(x[0], 3, 1, 1); }},
    // VGG's 2x2 pooling; overlapping windows (an element chosen by several outputs); padding.
    {"max_pool2d",
     "max_pool2d_k2_vgg_odd",
     {{{2, 2, 5, 4}}},
     [](const V& x) { return max_pool2d(x[0], 2); }},
    {"max_pool2d",
     "max_pool2d_k3_s1_pad1_transposed",
     {{{1, 2, 4, 5}, -1, 1, View::transposed}},
     [](const V& x) { return max_pool2d(x[0], 3, 1, 1); }},
    {"max_pool2d",
     "max_pool2d_k3_s2_pad1_sliced",
     {{{1, 2, 5, 6}, -1, 1, View::sliced}},
     [](const V& x) { return max_pool2d(x[0], 3, 2, 1); }},
});

}  // namespace
}  // namespace ganlite::test
