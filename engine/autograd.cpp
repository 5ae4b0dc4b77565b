// The backward pass: one topological walk from the roots, gradients summed per node, each node's
// closure called once with the full gradient of its output. Leaves receive their sum at the end.
#include "engine/autograd.h"

#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "engine/ops.h"

namespace ganlite {
namespace {

thread_local bool g_grad_enabled = true;
// The edges of the node whose closure runs now that the walk needs (input_grad_wanted).
thread_local const std::vector<bool>* g_wanted = nullptr;

struct WantedScope {
  const std::vector<bool>* prev = g_wanted;
  explicit WantedScope(const std::vector<bool>& w) { g_wanted = &w; }
  ~WantedScope() { g_wanted = prev; }
};

void accumulate(Tensor& slot, const Tensor& g) {
  slot = slot.defined() ? add(slot, g) : g;
}

Tensor apply_hooks(const std::vector<Hook>& hooks, Tensor g, const char* what) {
  for (const Hook& h : hooks) {
    Tensor out = h(g);
    GANLITE_CHECK(out.defined() && out.shape() == g.shape(), "hook on ", what,
                  ": must return a gradient of shape ", g.shape_str(), ", got ",
                  out.defined() ? out.shape_str() : std::string("an undefined tensor"));
    g = out;
  }
  return g;
}

// Post-order over the nodes reachable from the roots: children before parents.
std::vector<Node*> topo_order(const std::vector<Node*>& roots) {
  std::vector<Node*> order;
  std::unordered_set<Node*> seen;
  std::vector<std::pair<Node*, size_t>> stack;
  for (Node* r : roots) {
    if (!r || !seen.insert(r).second) continue;
    stack.push_back({r, 0});
    while (!stack.empty()) {
      auto& [n, i] = stack.back();
      if (i < n->next.size()) {
        Node* child = n->next[i++].node.get();
        if (child && seen.insert(child).second) stack.push_back({child, 0});
      } else {
        order.push_back(n);
        stack.pop_back();
      }
    }
  }
  return order;
}

struct Targets {
  std::unordered_map<const void*, size_t> index;  // Node* or TensorImpl* -> input position
  std::vector<Tensor> result;
};

// Runs the walk. With targets, gradients are collected for them only and .grad is left alone;
// without, leaves accumulate into .grad.
void run(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs,
         bool retain_graph, Targets* targets, const char* caller, bool create_graph) {
  GANLITE_CHECK(grad_outputs.empty() || grad_outputs.size() == outputs.size(), caller, ": got ",
                outputs.size(), " outputs but ", grad_outputs.size(), " gradients");
  // A first-order backward records nothing; one that creates a graph records every op it runs.
  std::optional<NoGradGuard> no_grad;
  if (!create_graph) no_grad.emplace();
  if (create_graph) retain_graph = true;
  std::unordered_map<Node*, Tensor> grads;
  std::unordered_map<TensorImpl*, Tensor> leaf_grads;
  std::vector<Node*> roots;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& y = outputs[i];
    GANLITE_CHECK(y.defined() && y.requires_grad(), caller, ": output ", i,
                  " does not require grad (no input of its graph requires grad)");
    Tensor g = grad_outputs.empty() ? Tensor() : grad_outputs[i];
    if (!g.defined()) {
      GANLITE_CHECK(y.numel() == 1, caller, ": a gradient must be given for output ", i,
                    " of shape ", y.shape_str(), " (implicit only for one-element outputs)");
      g = ones(y.shape(), y.dtype(), y.device());
    }
    GANLITE_CHECK(g.shape() == y.shape(), caller, ": gradient of shape ", g.shape_str(),
                  " given for output of shape ", y.shape_str());
    if (Node* n = y.impl()->grad_fn.get()) {
      accumulate(grads[n], g);
      roots.push_back(n);
    } else {
      accumulate(leaf_grads[y.impl()], g);
    }
  }
  std::vector<Node*> order = topo_order(roots);

  // With targets, only nodes with a target below them need their backward run.
  std::unordered_set<Node*> needed;
  if (targets) {
    for (Node* n : order) {
      bool need = false;
      for (const Edge& e : n->next) {
        const void* child = e.node ? static_cast<const void*>(e.node.get()) : e.leaf.get();
        need = need || (e.node && needed.count(e.node.get())) ||
               (child && targets->index.count(child));
      }
      if (need) needed.insert(n);
    }
  }

  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    Node* n = *it;
    auto git = grads.find(n);
    if (git == grads.end()) continue;
    Tensor g = apply_hooks(n->hooks, git->second, op_name(n->op));
    grads.erase(git);
    if (targets) {
      auto t = targets->index.find(n);
      if (t != targets->index.end()) targets->result[t->second] = g;
      if (!needed.count(n)) continue;
    }
    GANLITE_CHECK(n->backward, caller, ": the graph through ", op_name(n->op),
                  " was already freed by an earlier backward; pass retain_graph=true to it");
    GANLITE_CHECK(!create_graph || n->differentiable, caller, ": ", op_name(n->op),
                  " has no double backward: a backward with create_graph cannot go through it");
    std::vector<bool> wanted(n->next.size());
    for (size_t i = 0; i < n->next.size(); ++i) {
      const Edge& e = n->next[i];
      const void* child = e.node ? static_cast<const void*>(e.node.get()) : e.leaf.get();
      wanted[i] = e.valid() && (!targets || (e.node && needed.count(e.node.get())) ||
                                targets->index.count(child));
    }
    std::vector<Tensor> in_grads;
    {
      WantedScope scope(wanted);
      in_grads = create_graph ? n->differentiable(g) : n->backward(g);
    }
    GANLITE_CHECK(in_grads.size() == n->next.size(), "backward of ", op_name(n->op), " returned ",
                  in_grads.size(), " gradients for ", n->next.size(), " inputs");
    for (size_t i = 0; i < n->next.size(); ++i) {
      const Edge& e = n->next[i];
      if (!e.valid() || !in_grads[i].defined()) continue;
      const Shape& want = e.node ? e.node->out_shape : e.leaf->shape;
      GANLITE_CHECK(in_grads[i].shape() == want, "backward of ", op_name(n->op),
                    " returned a gradient of shape ", in_grads[i].shape_str(), " for input ", i,
                    " of shape ", shape_str(want));
      if (e.node)
        accumulate(grads[e.node.get()], in_grads[i]);
      else
        accumulate(leaf_grads[e.leaf.get()], in_grads[i]);
    }
    if (!retain_graph) n->backward = n->differentiable = nullptr;
  }

  for (auto& [leaf, g0] : leaf_grads) {
    Tensor g = apply_hooks(leaf->hooks, g0, "a leaf tensor");
    if (targets) {
      auto t = targets->index.find(leaf);
      if (t != targets->index.end()) targets->result[t->second] = g;
      continue;
    }
    // A fresh copy, so .grad never aliases a tensor the caller or a backward closure holds; with
    // create_graph the gradient itself, attached to the graph that made it.
    leaf->grad = leaf->grad.defined() ? add(leaf->grad, g) : create_graph ? g : g.clone();
  }
}

}  // namespace

bool input_grad_wanted(size_t i) {
  return !g_wanted || (i < g_wanted->size() && (*g_wanted)[i]);
}

bool grad_enabled() {
  return g_grad_enabled;
}
NoGradGuard::NoGradGuard() : prev_(g_grad_enabled) {
  g_grad_enabled = false;
}
NoGradGuard::~NoGradGuard() {
  g_grad_enabled = prev_;
}

bool needs_grad(const std::vector<Tensor>& inputs) {
  if (!g_grad_enabled) return false;
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

void record_differentiable(OpId op, Tensor& out, const std::vector<Tensor>& inputs,
                           BackwardFn backward) {
  if (!needs_grad(inputs)) return;
  BackwardFn copy = backward;
  record(op, out, inputs, std::move(backward), std::move(copy));
}

void record(OpId op, Tensor& out, const std::vector<Tensor>& inputs, BackwardFn backward,
            BackwardFn differentiable) {
  if (!needs_grad(inputs)) return;
  auto node = std::make_shared<Node>();
  node->op = op;
  node->backward = std::move(backward);
  // The op list declares which ops differentiate twice; an op's node must agree with it.
  GANLITE_CHECK(static_cast<bool>(differentiable) == has_double_backward(op),
                "record: ", op_name(op),
                (differentiable ? " gives a differentiable backward but is not"
                                : " gives no differentiable backward but is"),
                " listed in GANLITE_DOUBLE_BACKWARD (engine/op_list.h)");
  node->differentiable = std::move(differentiable);
  node->out_shape = out.shape();
  node->out_dtype = out.dtype();
  node->next.reserve(inputs.size());
  for (const Tensor& t : inputs) {
    Edge e;
    if (t.defined() && t.requires_grad()) {
      if (t.impl()->grad_fn)
        e.node = t.impl()->grad_fn;
      else
        e.leaf = t.impl_ptr();
    }
    node->next.push_back(std::move(e));
  }
  out.impl()->grad_fn = std::move(node);
  out.impl()->requires_grad = true;
}

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs, bool retain_graph,
                         bool allow_unused, bool create_graph) {
  Targets targets;
  targets.result.resize(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& x = inputs[i];
    GANLITE_CHECK(x.defined() && x.requires_grad(), "grad: input ", i, " does not require grad");
    const void* key = x.impl()->grad_fn ? static_cast<const void*>(x.impl()->grad_fn.get())
                                        : static_cast<const void*>(x.impl());
    GANLITE_CHECK(targets.index.emplace(key, i).second, "grad: input ", i, " is listed twice");
  }
  run(outputs, grad_outputs, retain_graph, &targets, "grad", create_graph);
  for (size_t i = 0; i < inputs.size(); ++i)
    GANLITE_CHECK(allow_unused || targets.result[i].defined(), "grad: input ", i, " of shape ",
                  inputs[i].shape_str(), " is not used by the outputs (pass allow_unused=true)");
  return targets.result;
}

void backward(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs,
              bool retain_graph, bool create_graph) {
  run(outputs, grad_outputs, retain_graph, nullptr, "backward", create_graph);
}

}  // namespace ganlite
