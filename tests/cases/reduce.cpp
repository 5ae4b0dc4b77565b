// Op cases: reductions over dims, keepdim, all dims, non-contiguous inputs.
#include "../op_cases.h"

namespace ganlite::test {
namespace {

using V = std::vector<Tensor>;

CaseRegistrar reg({
    {"sum", "sum_all", {{{3, 4}}}, [](const V& x) { return sum(x[0]); }},
    {"sum",
     "sum_dims_keepdim_transposed",
     {{{2, 3, 4}, -1, 1, View::transposed}},
     [](const V& x) {
       return sum(x[0], {0, 2}, true);
     }},
    {"mean", "mean_last_dim", {{{3, 5}}}, [](const V& x) { return mean(x[0], {-1}); }},
    {"mean",
     "mean_size1_dim_keepdim",
     {{{4, 1, 3}}},
     [](const V& x) {
       return mean(x[0], {1, 2}, true);
     }},
    {"max", "max_over_dim", {{{3, 6}}}, [](const V& x) { return max(x[0], {1}); }},
    {"max",
     "max_all_sliced",
     {{{2, 4}, -1, 1, View::sliced}},
     [](const V& x) { return max(x[0]); }},
    {"var", "var_unbiased_dim", {{{3, 5}}}, [](const V& x) { return var(x[0], {1}); }},
    {"var",
     "var_biased_keepdim",
     {{{2, 3, 4}}},
     [](const V& x) {
       return var(x[0], {0, 2}, true, false);
     }},
});

}  // namespace
}  // namespace ganlite::test
