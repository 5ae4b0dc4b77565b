// Define-by-run autograd. Each op that sees an input requiring grad records a Node holding its
// backward closures (written next to the forward in engine/ops/<family>.cpp) and edges to its
// inputs. backward()/grad() walk the graph once in reverse topological order. A node has two
// closures: `backward`, the first-order gradient on fast kernels and saved (detached) tensors, run
// with grad mode off; and `differentiable`, the same gradient written with ops on the op's inputs
// as they are, run with grad mode on when a backward creates a graph (create_graph), so that the
// gradients it returns can be differentiated again, to any order. An op without the second has no
// double backward: a create_graph backward that reaches it is an error naming it.
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
  std::vector<Edge> next;     // one per input, in the op's input order
  BackwardFn backward;        // emptied when the graph is freed
  BackwardFn differentiable;  // null: no double backward; emptied with backward
  std::vector<Hook> hooks;    // hooks registered on the output tensor
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
// `differentiable` may be null (no double backward). It must not capture `out` itself (a cycle).
void record(OpId op, Tensor& out, const std::vector<Tensor>& inputs, BackwardFn backward,
            BackwardFn differentiable = nullptr);
// One closure for both: a backward written with ops on the op's inputs as they are (its first
// order runs it with grad mode off, so nothing is recorded then).
void record_differentiable(OpId op, Tensor& out, const std::vector<Tensor>& inputs,
                           BackwardFn backward);

// Inside a backward closure: whether the walk needs the gradient of the node's input i. A grad()
// that asks only for D's input (R1) needs no weight gradients on the way: the costly ops' closures
// skip what nobody will read, as PyTorch's needs_input_grad lets them. True outside a walk.
bool input_grad_wanted(size_t i);

// Gradients of sum(outputs[i] * grad_outputs[i]) w.r.t. `inputs` (leaves or intermediate
// tensors), returned without touching any .grad. An input the outputs do not depend on gets an
// undefined tensor unless allow_unused is false, which makes it an error. With create_graph the
// backward is itself recorded (the returned gradients require grad and can be differentiated:
// R1, WGAN-GP, path length), and the graph is kept (retain_graph is implied).
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs = {}, bool retain_graph = false,
                         bool allow_unused = false, bool create_graph = false);

// Accumulates gradients of several roots into the leaves' .grad (with create_graph, a .grad that
// is itself differentiable).
void backward(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs = {},
              bool retain_graph = false, bool create_graph = false);

}  // namespace ganlite
