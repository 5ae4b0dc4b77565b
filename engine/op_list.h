// The op set. Every public differentiable op is listed once here; the op-case table must hold at
// least one case per entry in tests/cases/<family>.cpp (tests/test_op_table.cpp fails otherwise).
// Composite ops (built from other ops, no node of their own) are listed too, so their gradients are
// checked as well.
#pragma once

// clang-format off
#define GANLITE_OPS(X)                                                                          \
  /* views and copies */                                                                        \
  X(reshape) X(permute) X(slice) X(expand) X(contiguous) X(cast)                                \
  /* elementwise */                                                                             \
  X(add) X(sub) X(mul) X(div) X(pow) X(pow_scalar) X(neg) X(exp) X(log) X(sqrt) X(abs) X(clamp) \
  X(relu) X(leaky_relu) X(tanh) X(sigmoid) X(softplus) X(custom_grad)                           \
  /* reductions */                                                                              \
  X(sum) X(mean) X(max) X(var)                                                                  \
  /* linear algebra */                                                                          \
  X(matmul) X(bmm) X(linear)                                                                    \
  /* convolution */                                                                             \
  X(conv2d) X(conv_transpose2d) X(conv2d_weight) X(unfold)                                      \
  /* norms */                                                                                   \
  X(batch_norm) X(instance_norm) X(group_norm) X(norm_mask_act)                                 \
  /* spatial */                                                                                 \
  X(reflection_pad2d) X(zero_pad2d) X(upsample_nearest2d) X(upsample_bilinear2d) X(avg_pool2d)  \
  X(max_pool2d)                                                                                 \
  /* gather and join */                                                                         \
  X(concat) X(stack) X(index_select) X(embedding)                                               \
  /* losses and softmax */                                                                      \
  X(mse_loss) X(l1_loss) X(smooth_l1_loss) X(bce_with_logits) X(hinge_loss) X(softmax)          \
  X(log_softmax) X(cross_entropy)

// The ops that differentiate twice: a node's `differentiable` backward (engine/autograd.h) for
// the ops with a node, their parts' for composite ones. tests/test_op_table.cpp checks second
// order on every case of these, and record() refuses a node that disagrees with this list.
#define GANLITE_DOUBLE_BACKWARD(X)                                                            \
  X(reshape) X(permute) X(slice) X(expand) X(contiguous) X(cast) X(add) X(sub) X(mul) X(div)  \
  X(pow) X(pow_scalar) X(neg) X(exp) X(log) X(sqrt) X(abs) X(clamp) X(relu) X(leaky_relu)     \
  X(tanh) X(sigmoid) X(softplus) X(custom_grad) X(sum) X(mean) X(max) X(var) X(matmul) X(bmm) \
  X(linear) X(conv2d) X(conv_transpose2d) X(conv2d_weight) X(batch_norm)                       \
  X(instance_norm) X(group_norm) X(reflection_pad2d) X(zero_pad2d) X(upsample_nearest2d)      \
  X(upsample_bilinear2d) X(avg_pool2d) X(max_pool2d) X(concat) X(stack) X(index_select)       \
  X(embedding) X(mse_loss) X(l1_loss) X(smooth_l1_loss) X(bce_with_logits) X(hinge_loss)      \
  X(softmax) X(log_softmax) X(cross_entropy)
// clang-format on

namespace ganlite {

enum class OpId {
#define GANLITE_OP_ENUM(name) name,
  GANLITE_OPS(GANLITE_OP_ENUM)
#undef GANLITE_OP_ENUM
};

inline constexpr const char* kOpNames[] = {
#define GANLITE_OP_NAME(name) #name,
    GANLITE_OPS(GANLITE_OP_NAME)
#undef GANLITE_OP_NAME
};
inline constexpr int kNumOps = sizeof(kOpNames) / sizeof(kOpNames[0]);

inline const char* op_name(OpId op) {
  return kOpNames[static_cast<int>(op)];
}

inline bool has_double_backward(OpId op) {
  switch (op) {
#define GANLITE_OP_CASE(name) case OpId::name:
    GANLITE_DOUBLE_BACKWARD(GANLITE_OP_CASE)
#undef GANLITE_OP_CASE
    return true;
    default:
      return false;
  }
}

}  // namespace ganlite
