#!/usr/bin/env python3
"""Writes tests/data/attention_refs.json for tests/test_dmad_sparsity.cpp: DMAD's co-attention loss
(A(F) = mean_c F^2, each sample's map F.normalize'd, squared error against 0.5 A(teacher G) +
0.5 A(teacher D on the student's fake), summed over hook points; a teacher-D map twice the size
area-resized by 2x2 averaging) and its D-feature distance (Frobenius norm), in PyTorch, float64,
with the gradients with respect to the student's features and the teacher D's.
  /usr/bin/python3 tests/make_attention_refs.py
"""
import json
import os

import torch
import torch.nn.functional as F

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def att(f):
    return f.pow(2).mean(1, keepdim=True)


def norm(a):
    return F.normalize(a.reshape(a.shape[0], -1), p=2, dim=1)


def main():
    g = torch.Generator().manual_seed(9)
    r = lambda *s: torch.randn(*s, generator=g, dtype=torch.float64)
    s = [r(2, 3, 4, 4), r(2, 5, 2, 2)]
    tg = [r(2, 6, 4, 4), r(2, 4, 2, 2)]
    td = [r(2, 2, 4, 4), r(2, 3, 4, 4)]  # the second twice the hook's size
    xs = [x.clone().requires_grad_(True) for x in s]
    xd = [x.clone().requires_grad_(True) for x in td]
    loss = 0
    for a, b, c in zip(xs, tg, xd):
        d = att(c)
        if d.shape[-1] != a.shape[-1]:
            d = F.avg_pool2d(d, d.shape[-1] // a.shape[-1])
        loss = loss + (norm(0.5 * att(b) + 0.5 * d) - norm(att(a))).pow(2).mean()
    grads = torch.autograd.grad(loss, xs + xd)
    u, v = r(2, 3, 2, 2), r(2, 3, 2, 2)
    xu = u.clone().requires_grad_(True)
    dist = (xu - v).norm()
    (gu,) = torch.autograd.grad(dist, xu)
    flat = lambda ts: [t.flatten().tolist() for t in ts]
    out = {"student": flat(s), "teacher_g": flat(tg), "teacher_d": flat(td),
           "shapes": [[list(t.shape) for t in ts] for ts in (s, tg, td)],
           "loss": loss.item(), "grad_student": flat(grads[:2]), "grad_teacher_d": flat(grads[2:]),
           "u": u.flatten().tolist(), "v": v.flatten().tolist(), "uv_shape": list(u.shape),
           "distance": dist.item(), "grad_u": gu.flatten().tolist()}
    with open(os.path.join(here, "attention_refs.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
