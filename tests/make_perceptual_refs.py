#!/usr/bin/env python3
"""Writes tests/data/perceptual_refs.json for tests/test_crd_relation.cpp: CRD's style term (Gram
matrices F F^T / (C H W), mean absolute difference, summed over layers) and feature term (mean
absolute difference) in PyTorch, float64, on random activations of two layers, with the gradient
of each with respect to the student's activations.
  /usr/bin/python3 tests/make_perceptual_refs.py
"""
import json
import os

import torch

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def gram(f):
    b, c, h, w = f.shape
    x = f.reshape(b, c, h * w)
    return x @ x.transpose(1, 2) / (c * h * w)


def main():
    g = torch.Generator().manual_seed(5)
    shapes = [(2, 3, 4, 4), (2, 5, 2, 3)]
    s = [torch.randn(*sh, generator=g, dtype=torch.float64) for sh in shapes]
    t = [torch.randn(*sh, generator=g, dtype=torch.float64) for sh in shapes]
    xs = [x.clone().requires_grad_(True) for x in s]
    style = sum((gram(x) - gram(y)).abs().mean() for x, y in zip(xs, t))
    style_grads = torch.autograd.grad(style, xs)
    x0 = s[0].clone().requires_grad_(True)
    feature = (x0 - t[0]).abs().mean()
    (feature_grad,) = torch.autograd.grad(feature, x0)
    out = {"shapes": [list(sh) for sh in shapes],
           "student": [x.flatten().tolist() for x in s], "teacher": [x.flatten().tolist() for x in t],
           "style": style.item(), "style_grads": [x.flatten().tolist() for x in style_grads],
           "feature": feature.item(), "feature_grad": feature_grad.flatten().tolist()}
    with open(os.path.join(here, "perceptual_refs.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
