// Op cases: elementwise math and activations (broadcasting, size-1 dims, views).
#include "../op_cases.h"

namespace ganlite::test {
namespace {

using V = std::vector<Tensor>;

CaseRegistrar reg({
    {"add", "add_broadcast_row", {{{3, 4}}, {{4}}}, [](const V& x) { return x[0] + x[1]; }},
    {"add",
     "add_size1_dims_transposed",
     {{{2, 1, 5}, -1, 1, View::transposed}, {{3, 1}}},
     [](const V& x) { return add(x[0], x[1]); }},
    {"sub", "sub_broadcast_both", {{{2, 1, 3}}, {{4, 1}}}, [](const V& x) { return x[0] - x[1]; }},
    {"sub", "sub_scalar_left", {{{5}}}, [](const V& x) { return 2.0 - x[0]; }},
    {"mul",
     "mul_sliced_broadcast",
     {{{3, 5}, -1, 1, View::sliced}, {{3, 1}}},
     [](const V& x) { return x[0] * x[1]; }},
    {"mul", "mul_same_tensor_twice", {{{7}}}, [](const V& x) { return x[0] * x[0]; }},
    {"div", "div_broadcast", {{{2, 3}}, {{3}, 0.5, 2.0}}, [](const V& x) { return x[0] / x[1]; }},
    {"div", "div_scalar_numerator", {{{4}, 0.5, 2.0}}, [](const V& x) { return 1.0 / x[0]; }},
    {"pow",
     "pow_tensor_tensor",
     {{{2, 3}, 0.5, 2.0}, {{3}, -1.5, 1.5}},
     [](const V& x) { return pow(x[0], x[1]); }},
    {"pow_scalar", "pow_scalar_cube", {{{3, 2}}}, [](const V& x) { return pow(x[0], 3.0); }},
    {"pow_scalar",
     "pow_scalar_fractional",
     {{{5}, 0.5, 2.0}},
     [](const V& x) { return pow(x[0], 1.5); }},
    {"neg",
     "neg_transposed",
     {{{3, 4}, -1, 1, View::transposed}},
     [](const V& x) { return -x[0]; }},
    {"exp", "exp_plain", {{{2, 3}}}, [](const V& x) { return exp(x[0]); }},
    {"log", "log_positive", {{{6}, 0.2, 3.0}}, [](const V& x) { return log(x[0]); }},
    {"sqrt", "sqrt_positive", {{{2, 2}, 0.2, 3.0}}, [](const V& x) { return sqrt(x[0]); }},
    {"abs", "abs_mixed_sign", {{{9}}}, [](const V& x) { return abs(x[0]); }},
    {"clamp",
     "clamp_both_bounds",
     {{{11}, -2, 2}},
     [](const V& x) { return clamp(x[0], -0.7, 0.9); }},
    {"relu", "relu_sliced", {{{2, 5}, -1, 1, View::sliced}}, [](const V& x) { return relu(x[0]); }},
    {"leaky_relu", "leaky_relu_0p2", {{{3, 3}}}, [](const V& x) { return leaky_relu(x[0], 0.2); }},
    {"tanh", "tanh_plain", {{{1, 7}, -2, 2}}, [](const V& x) { return tanh(x[0]); }},
    {"sigmoid", "sigmoid_plain", {{{4, 1}, -3, 3}}, [](const V& x) { return sigmoid(x[0]); }},
    {"softplus",
     "softplus_wide_range",
     {{{8}, -30, 30}},
     [](const V& x) { return softplus(x[0]); }},
    {"custom_grad",
     "custom_grad_identity_hook",
     {{{2, 3}}},
     [](const V& x) {
       // Gradient checks need the true derivative, so the hook here is the identity; the
       // scaling hooks (-1, per sample) are checked in test_autograd.cpp.
       return tanh(custom_grad(x[0], [](const Tensor& g) { return g * 1.0; }));
     }},
});

}  // namespace
}  // namespace ganlite::test
