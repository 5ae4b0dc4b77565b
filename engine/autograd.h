// Define-by-run autograd. Each op that sees an input requiring grad records a Node holding its
// backward closure (written next to the forward in engine/ops/<family>.cpp) and edges to its
// inputs. backward()/grad() walk the graph once in reverse topological order.
#pragma once
#include <functional>
#include <memory>
#include <vector>

#include "engine/op_list.h"
#include "engine/tensor.h"

namespace ganlite {

// Gradients w.r.t. each input of the node, given the gradient of its output; an undefined
// Tensor means "no gradient" (input does not require grad, or is not differentiable).
using BackwardFn = std::function<std::vector<Tensor>(const Tensor& grad_out)>;

struct Edge {
  std::shared_ptr<Node> node;        // input produced by an op
  std::shared_ptr<TensorImpl> leaf;  // or a leaf that requires grad
  bool valid() const { return node || leaf; }
};

struct Node {
  OpId op;
  std::vector<Edge> next;   // one per input, in the op's input order
  BackwardFn backward;      // emptied when the graph is freed
  std::vector<Hook> hooks;  // hooks registered on the output tensor
  Shape out_shape;
  DType out_dtype;
};

bool grad_enabled();

class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool prev_;
};

// True when grad mode is on and some input requires grad: the op should call record().
bool needs_grad(const std::vector<Tensor>& inputs);

// Attaches a node to `out` (which must be freshly created by the op). No-op unless needs_grad.
void record(OpId op, Tensor& out, const std::vector<Tensor>& inputs, BackwardFn backward);

// First-order gradients of sum(outputs[i] * grad_outputs[i]) w.r.t. `inputs` (leaves or
// intermediate tensors), returned without touching any .grad. An input the outputs do not
// depend on gets an undefined tensor unless allow_unused is false, which makes it an error.
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs = {}, bool retain_graph = false,
                         bool allow_unused = false);

// Accumulates gradients of several roots into the leaves' .grad.
void backward(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs = {},
              bool retain_graph = false);

}  // namespace ganlite
