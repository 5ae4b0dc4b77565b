#!/usr/bin/env python3
"""Writes the R1 references of tests/test_penalties.cpp: for PatchGAN, DCGAN's D, the SNGAN
projection D and StyleGAN2's D (the twins of tests/torch_models.py, float64, training mode: batch
statistics, one power iteration of spectral norm), the R1 penalty mean_n ||d sum(D(x)) / d x_n||^2
and its gradient with respect to every parameter, from torch.autograd.grad(create_graph=True).
One file each, tests/data/r1_<net>.safetensors: state.<key> (the state_dict before the forward),
input (and labels), r1, grad.<parameter>.
  /tmp/stvenv/bin/python tests/make_r1_refs.py
"""
import os

import torch
import torch.nn as nn
from safetensors.torch import save_file

from torch_models import Discriminator, SnganDiscriminator, dcgan_discriminator, patchgan

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def randomize(net):
    """Batch norm affine parameters and biases away from (1, 0): every term of the penalty counts."""
    with torch.no_grad():
        for name, p in net.named_parameters():
            if name.endswith("bias"):
                p.add_(torch.randn_like(p) * 0.2)
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d) and m.affine:
                m.weight.uniform_(0.5, 1.5)
    return net.double().train()


def write(name, net, x, labels=None):
    state = {"state." + k: v.detach().clone().contiguous() for k, v in net.state_dict().items()}
    x = x.double().requires_grad_(True)
    out = net(x) if labels is None else net(x, labels)
    (gx,) = torch.autograd.grad(out.sum(), x, create_graph=True)
    r1 = gx.pow(2).sum(dim=(1, 2, 3)).mean()
    params = dict(net.named_parameters())
    grads = torch.autograd.grad(r1, list(params.values()), allow_unused=True)
    data = dict(state)
    data["input"] = x.detach().contiguous()
    if labels is not None:
        data["labels"] = labels
    data["r1"] = r1.detach().reshape(())
    for (k, p), g in zip(params.items(), grads):
        data["grad." + k] = (g if g is not None else torch.zeros_like(p)).contiguous()
    save_file(data, os.path.join(here, "r1_" + name + ".safetensors"))
    print("r1_%s: r1 %.6g over %d parameters" % (name, r1.item(), len(params)))


torch.manual_seed(1)
write("patchgan", randomize(patchgan(3, 4, 3)), torch.randn(2, 3, 32, 32))
write("dcgan_d", randomize(dcgan_discriminator(3, 4, 32)), torch.randn(3, 3, 32, 32))
write("sngan_d", randomize(SnganDiscriminator(3, 4, 5)), torch.randn(3, 3, 32, 32),
      torch.tensor([4, 0, 2]))
write("stylegan2_d", randomize(Discriminator(32, 128, 8)), torch.randn(6, 3, 32, 32))
