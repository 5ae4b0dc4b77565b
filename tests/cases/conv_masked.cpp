// Op cases: masked_conv2d, with a mask holding zeros and values off 1, bias and no bias, stride,
// groups, and a transposed input view.
#include "../op_cases.h"

namespace ganlite::test {
namespace {

using V = std::vector<Tensor>;

CaseRegistrar reg({
    {"masked_conv2d",
     "masked_conv2d_3x3_pad1_bias",
     {{{2, 3, 5, 5}}, {{4, 3, 3, 3}}, {{4}}, {{4}, -0.5, 1.5}},
     [](const V& x) {
       return masked_conv2d(x[0], x[1], x[2], x[3], {1, 1}, {1, 1});
     }},
    {"masked_conv2d",
     "masked_conv2d_stride2_groups2_no_bias_transposed",
     {{{1, 4, 6, 5}, -1, 1, View::transposed}, {{6, 2, 3, 3}}, {{6}, 0, 1}},
     [](const V& x) {
       return masked_conv2d(x[0], x[1], Tensor(), x[2], {2, 2}, {1, 0}, {1, 1}, 2);
     }},
});

}  // namespace
}  // namespace ganlite::test
