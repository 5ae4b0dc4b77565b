// Op cases: matmul, bmm, linear (transposed operands go to BLAS as flags).
#include "../op_cases.h"

namespace ganlite::test {
namespace {

using V = std::vector<Tensor>;

CaseRegistrar reg({
    {"matmul",
     "matmul_odd_sizes",
     {{{3, 5}}, {{5, 2}}},
     [](const V& x) { return matmul(x[0], x[1]); }},
    {"matmul",
     "matmul_transposed_operands",
     {{{4, 3}, -1, 1, View::transposed}, {{3, 2}, -1, 1, View::transposed}},
     [](const V& x) { return matmul(x[0], x[1]); }},
    {"matmul",
     "matmul_sliced_lhs",
     {{{2, 4}, -1, 1, View::sliced}, {{4, 3}}},
     [](const V& x) { return matmul(x[0], x[1]); }},
    {"bmm", "bmm_batch3", {{{3, 2, 4}}, {{3, 4, 5}}}, [](const V& x) { return bmm(x[0], x[1]); }},
    {"bmm",
     "bmm_transposed_rhs",
     {{{2, 3, 4}}, {{2, 4, 3}, -1, 1, View::transposed}},
     [](const V& x) { return bmm(x[0], x[1]); }},
    {"linear",
     "linear_bias",
     {{{4, 3}}, {{5, 3}}, {{5}}},
     [](const V& x) { return linear(x[0], x[1], x[2]); }},
    {"linear",
     "linear_3d_input_no_bias",
     {{{2, 3, 4}}, {{2, 4}}},
     [](const V& x) { return linear(x[0], x[1]); }},
});

}  // namespace
}  // namespace ganlite::test
