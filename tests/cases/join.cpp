// Op cases: concat, stack, index_select (repeated indices, so the backward accumulates) and
// embedding. Indices are i64 constants captured by the lambdas, not inputs, created on the
// inputs' device.
#include "../op_cases.h"

namespace ganlite::test {
namespace {

using V = std::vector<Tensor>;

Tensor idx(std::vector<int64_t> v, Shape s, const Tensor& like) {
  return from_vector(v, s).to(like.device());
}

CaseRegistrar reg({
    {"concat",
     "concat_dim1_three_sizes_transposed",
     {{{2, 2, 3}}, {{2, 4, 3}, -1, 1, View::transposed}, {{2, 1, 3}}},
     [](const V& x) {
       return concat({x[0], x[1], x[2]}, 1);
     }},
    {"concat",
     "concat_last_dim_sliced",
     {{{3, 2}, -1, 1, View::sliced}, {{3, 4}}},
     [](const V& x) {
       return concat({x[0], x[1]}, -1);
     }},
    {"concat",
     "concat_same_tensor_twice",
     {{{2, 3}}},
     [](const V& x) {
       return concat({x[0], x[0] * 2.0}, 0);
     }},
    {"stack",
     "stack_dim0_three",
     {{{2, 3}}, {{2, 3}}, {{2, 3}}},
     [](const V& x) {
       return stack({x[0], x[1], x[2]}, 0);
     }},
    {"stack",
     "stack_last_dim_transposed",
     {{{3, 4}}, {{3, 4}, -1, 1, View::transposed}},
     [](const V& x) {
       return stack({x[0], x[1]}, -1);
     }},
    {"index_select",
     "index_select_dim0_repeated",
     {{{5, 3}}},
     [](const V& x) {
       return index_select(x[0], 0, idx({4, 0, 4, 2, 4}, {5}, x[0]));
     }},
    {"index_select",
     "index_select_middle_dim_sliced",
     {{{2, 6, 3}, -1, 1, View::sliced}},
     [](const V& x) {
       return index_select(x[0], 1, idx({1, 1, 5, 0}, {4}, x[0]));
     }},
    {"embedding",
     "embedding_2d_index_repeated",
     {{{6, 4}}},
     [](const V& x) {
       return embedding(idx({1, 5, 1, 0, 3, 1}, {2, 3}, x[0]), x[0]);
     }},
    {"embedding",
     "embedding_1d_index_transposed_weight",
     {{{5, 3}, -1, 1, View::transposed}},
     [](const V& x) {
       return embedding(idx({2, 2, 4}, {3}, x[0]), x[0]);
     }},
});

}  // namespace
}  // namespace ganlite::test
