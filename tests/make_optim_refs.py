#!/usr/bin/python3
"""Writes tests/data/optim_refs.json: parameters after each of four steps of torch.optim.Adam
(with and without its L2 weight_decay) and torch.optim.SGD with momentum, in float64, from the
same starting parameters and gradients. tests/test_optim.cpp replays them through nn::Adam and
nn::SGD. 37 elements: more than one 8-wide vector of the CPU loop, with a remainder.
Run with Debian's interpreter (python3-torch): /usr/bin/python3 tests/make_optim_refs.py
"""
import json
import os

import torch

torch.manual_seed(4321)
N, STEPS = 37, 4


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


p0 = torch.randn(N, dtype=torch.float64)
grads = [torch.randn(N, dtype=torch.float64) * 10 ** float(s - 2) for s in range(STEPS)]
cases = []
for name, make, hyper in [
    ("adam", lambda p: torch.optim.Adam([p], lr=1e-2, betas=(0.5, 0.999), eps=1e-8),
     {"lr": 1e-2, "beta1": 0.5, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0}),
    ("adam_weight_decay",
     lambda p: torch.optim.Adam([p], lr=1e-3, betas=(0.9, 0.99), eps=1e-6, weight_decay=0.1),
     {"lr": 1e-3, "beta1": 0.9, "beta2": 0.99, "eps": 1e-6, "weight_decay": 0.1}),
    ("sgd_momentum", lambda p: torch.optim.SGD([p], lr=0.05, momentum=0.9),
     {"lr": 0.05, "momentum": 0.9}),
]:
    p = p0.clone().requires_grad_(True)
    opt = make(p)
    after = []
    for g in grads:
        p.grad = g.clone()
        opt.step()
        after.append(flat(p))
    cases.append({"name": name, "hyper": hyper, "after": after})

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "optim_refs.json")
with open(out, "w") as f:
    json.dump({"generator": "tests/make_optim_refs.py", "torch_version": torch.__version__,
               "param": flat(p0), "grads": [flat(g) for g in grads], "cases": cases}, f,
              separators=(",", ":"))
print(f"wrote {len(cases)} cases to {out}")
