#!/usr/bin/env python3
"""Writes reference checkpoints for tests/test_stylegan2.cpp: StyleGAN2 (Karras et al. 2020)
written in PyTorch from the paper's equations with the parameter names of gan/models/stylegan2.h
(tests/torch_models.py), small sizes, fixed noise. Unlike the C++ grouped conv, the modulated conv here runs one conv2d per
sample, so the two share no formulation beyond the equations. Files (tests/data):
  sg2_modconv{,_io}  a ModulatedConv2d 4 -> 6, 3x3, w_dim 8, demodulated, upsampling 8 -> 16
  sg2_block{,_io}    a SynthesisBlock 8 -> 6 at 16x16 (StyledConv up, StyledConv, ToRgb + skip)
  sg2_g16{,_io}      a 16 px generator (z_dim = w_dim = 16, n_mlp 2, channels 16/16/8)
  sg2_d16{,_io}      a 16 px discriminator on 8 images (minibatch-stddev groups of 4, 2 groups)
  /tmp/stvenv/bin/python tests/make_stylegan2_refs.py
"""
import os

import torch
from safetensors.torch import save_file

from torch_models import Discriminator, Generator, ModulatedConv2d, SynthesisBlock

def perturb(net):
    """Non-zero noise strengths and biases, modulation biases away from 1: every term counts."""
    for name, p in net.named_parameters():
        if name.endswith("noise_strength"):
            p.copy_(torch.randn_like(p) * 0.5)
        elif name.endswith("bias"):
            p.add_(torch.randn_like(p) * 0.2)
    return net.eval()


def save(name, net, io):
    save_file({k: v.contiguous() for k, v in net.state_dict().items()},
              os.path.join(here, name + ".safetensors"))
    save_file({k: v.contiguous() for k, v in io.items()}, os.path.join(here, name + "_io.safetensors"))


here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
torch.manual_seed(2020)
with torch.no_grad():
    m = perturb(ModulatedConv2d(4, 6, 3, 8, True, True))
    x, w = torch.randn(2, 4, 8, 8), torch.randn(2, 8)
    save("sg2_modconv", m, {"x": x, "w": w, "out": m(x, w)})

    b = perturb(SynthesisBlock(8, 6, 8, False))
    x, rgb, w = torch.randn(2, 8, 8, 8), torch.randn(2, 3, 8, 8), torch.randn(2, 8)
    n0, n1 = torch.randn(2, 1, 16, 16), torch.randn(1, 1, 16, 16)  # per sample; shared
    out_x, out_rgb = b(x, rgb, w, n0, n1)
    save("sg2_block", b, {"x": x, "rgb": rgb, "w": w, "noise0": n0, "noise1": n1, "out_x": out_x,
                          "out_rgb": out_rgb})

    g = perturb(Generator(16, 16, 16, 2, 128, 16))
    z = torch.randn(2, 16)
    noises = {}
    for r in g.res:
        for c in (("conv1",) if r == 4 else ("conv0", "conv1")):
            noises["b%d.%s" % (r, c)] = torch.randn(1, 1, r, r)
    io = {"input": z, "output": g(z, noises)}
    io.update({"noise." + k: v for k, v in noises.items()})
    save("sg2_g16", g, io)

    d = perturb(Discriminator(16, 128, 16))
    xd = torch.randn(8, 3, 16, 16)
    save("sg2_d16", d, {"input": xd, "output": d(xd)})
print("wrote sg2_modconv, sg2_block, sg2_g16 and sg2_d16 references")
