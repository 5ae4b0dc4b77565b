// Op cases: views and copies (reshape, permute, slice, expand, contiguous, cast).
#include "../op_cases.h"

namespace ganlite::test {
namespace {

using V = std::vector<Tensor>;

CaseRegistrar reg({
    {"reshape",
     "reshape_infer_dim",
     {{{2, 3, 4}}},
     [](const V& x) {
       return x[0].reshape({4, -1}) * 2.0;
     }},
    {"reshape",
     "reshape_of_transposed_copies",
     {{{3, 4}, -1, 1, View::transposed}},
     [](const V& x) { return x[0].reshape({12}) * 2.0; }},
    {"reshape",
     "unsqueeze_squeeze_flatten",
     {{{2, 3}}},
     [](const V& x) { return x[0].unsqueeze(1).squeeze(1).unsqueeze(0).flatten() * 3.0; }},
    {"permute",
     "permute_3d",
     {{{2, 3, 4}}},
     [](const V& x) {
       return x[0].permute({2, 0, 1}) * 1.5;
     }},
    {"slice",
     "slice_channels_prefix",
     {{{2, 5, 3}}},
     [](const V& x) { return x[0].slice(1, 0, 3) * 2.0; }},
    {"slice",
     "slice_middle_of_transposed",
     {{{4, 6}, -1, 1, View::transposed}},
     [](const V& x) { return x[0].slice(0, 1, 2) * 2.0; }},
    {"expand",
     "expand_size1_and_new_dim",
     {{{3, 1}}},
     [](const V& x) {
       return x[0].expand({2, 3, 4}) * 1.0;
     }},
    {"contiguous",
     "contiguous_of_permuted",
     {{{3, 4}, -1, 1, View::transposed}},
     [](const V& x) { return x[0].contiguous() * x[0]; }},
    {"cast",
     "cast_roundtrip_f32",
     {{{5}}},
     // f32 rounding (1e-7 relative) swamps a 1e-6 step, so this case steps by 1e-2; the
     // function is linear, so the larger step costs no accuracy.
     [](const V& x) { return x[0].to(DType::f32).to(x[0].dtype()) * 1.0; },
     1e-5,
     1e-3,
     1e-2},
});

}  // namespace
}  // namespace ganlite::test
