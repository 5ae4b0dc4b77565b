#!/usr/bin/env python3
"""Writes tests/data/rkd_refs.json for tests/test_crd_relation.cpp: RKD's distance and angle
losses (Park et al. 2019) in PyTorch, float64, in the direct formulation of the reference code
(pdist through the Gram matrix with squares floored at 1e-12 and a zero diagonal, each matrix
over the mean of its positive entries; angles from F.normalize'd difference vectors; smooth-L1),
on two independent item sets, with the gradient of each loss with respect to the student.
  /usr/bin/python3 tests/make_rkd_refs.py
"""
import json
import os

import torch
import torch.nn.functional as F

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def pdist(e, eps=1e-12):
    sq = e.pow(2).sum(1)
    d = (sq.unsqueeze(1) + sq.unsqueeze(0) - 2 * e @ e.t()).clamp(min=eps).sqrt().clone()
    d[range(len(e)), range(len(e))] = 0
    return d


def distance(s, t):
    with torch.no_grad():
        td = pdist(t)
        td = td / td[td > 0].mean()
    d = pdist(s)
    d = d / d[d > 0].mean()
    return F.smooth_l1_loss(d, td)


def angles(e):
    diff = e.unsqueeze(0) - e.unsqueeze(1)  # [i][j] = e_j - e_i
    n = F.normalize(diff, p=2, dim=2)
    return torch.bmm(n, n.transpose(1, 2)).reshape(-1)


def angle(s, t):
    with torch.no_grad():
        ta = angles(t)
    return F.smooth_l1_loss(angles(s), ta)


def main():
    g = torch.Generator().manual_seed(7)
    s = torch.randn(2, 6, 5, generator=g, dtype=torch.float64)
    t = torch.randn(2, 6, 5, generator=g, dtype=torch.float64)
    out = {"shape": list(s.shape), "student": s.flatten().tolist(), "teacher": t.flatten().tolist()}
    for name, fn in (("distance", distance), ("angle", angle)):
        x = s.clone().requires_grad_(True)
        # Sets are independent and of equal size: the loss over both is the mean of each one's.
        loss = sum(fn(x[b], t[b]) for b in range(len(s))) / len(s)
        (grad,) = torch.autograd.grad(loss, x)
        out[name] = loss.item()
        out[name + "_grad"] = grad.flatten().tolist()
    with open(os.path.join(here, "rkd_refs.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
