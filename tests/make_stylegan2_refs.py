#!/usr/bin/env python3
"""Writes reference checkpoints for tests/test_stylegan2.cpp: StyleGAN2 (Karras et al. 2020)
written in PyTorch from the paper's equations with the parameter names of gan/models/stylegan2.h, small
sizes, fixed noise. Unlike the C++ grouped conv, the modulated conv here runs one conv2d per
sample, so the two share no formulation beyond the equations. Files (tests/data):
  sg2_modconv{,_io}  a ModulatedConv2d 4 -> 6, 3x3, w_dim 8, demodulated, upsampling 8 -> 16
  sg2_block{,_io}    a SynthesisBlock 8 -> 6 at 16x16 (StyledConv up, StyledConv, ToRgb + skip)
  sg2_g16{,_io}      a 16 px generator (z_dim = w_dim = 16, n_mlp 2, channels 16/16/8)
  sg2_d16{,_io}      a 16 px discriminator on 8 images (minibatch-stddev groups of 4, 2 groups)
  /tmp/stvenv/bin/python tests/make_stylegan2_refs.py
"""
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

SQRT2 = math.sqrt(2.0)


def act(x):
    return F.leaky_relu(x, 0.2) * SQRT2


class EqualLinear(nn.Module):
    def __init__(self, n_in, n_out, bias_init=0.0, lr_mul=1.0, activate=False):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(n_out, n_in) / lr_mul)
        self.bias = nn.Parameter(torch.full((n_out,), bias_init / lr_mul))
        self.c, self.lr_mul, self.activate = lr_mul / math.sqrt(n_in), lr_mul, activate

    def forward(self, x):
        y = x @ (self.weight * self.c).t() + self.bias * self.lr_mul
        return act(y) if self.activate else y


class EqualConv2d(nn.Module):
    def __init__(self, n_in, n_out, k, bias=True, activate=False, downsample=False):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(n_out, n_in, k, k))
        self.bias = nn.Parameter(torch.zeros(n_out)) if bias else None
        self.c, self.activate, self.downsample = 1 / math.sqrt(n_in * k * k), activate, downsample

    def forward(self, x):
        if self.downsample:
            x = F.avg_pool2d(x, 2)
        y = F.conv2d(x, self.weight * self.c, self.bias, padding=self.weight.shape[2] // 2)
        return act(y) if self.activate else y


class ModulatedConv2d(nn.Module):
    def __init__(self, n_in, n_out, k, w_dim, demodulate=True, upsample=False):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(n_out, n_in, k, k))
        self.modulation = EqualLinear(w_dim, n_in, bias_init=1.0)
        self.c, self.demodulate, self.upsample = 1 / math.sqrt(n_in * k * k), demodulate, upsample

    def forward(self, x, w):
        s = self.modulation(w)
        outs = []
        for i in range(x.shape[0]):  # eq. 1 and 3, one sample at a time
            wi = self.c * self.weight * s[i].view(1, -1, 1, 1)
            if self.demodulate:
                wi = wi / torch.sqrt((wi ** 2).sum(dim=(1, 2, 3), keepdim=True) + 1e-8)
            xi = x[i:i + 1]
            if self.upsample:
                xi = F.interpolate(xi, scale_factor=2, mode="bilinear", align_corners=False)
            outs.append(F.conv2d(xi, wi, padding=self.weight.shape[2] // 2))
        return torch.cat(outs, 0)


class StyledConv(nn.Module):
    def __init__(self, n_in, n_out, w_dim, upsample):
        super().__init__()
        self.conv = ModulatedConv2d(n_in, n_out, 3, w_dim, True, upsample)
        self.noise_strength = nn.Parameter(torch.zeros(1))
        self.bias = nn.Parameter(torch.zeros(n_out))

    def forward(self, x, w, noise):
        return act(self.conv(x, w) + noise * self.noise_strength + self.bias.view(1, -1, 1, 1))


class ToRgb(nn.Module):
    def __init__(self, n_in, w_dim):
        super().__init__()
        self.conv = ModulatedConv2d(n_in, 3, 1, w_dim, demodulate=False)
        self.bias = nn.Parameter(torch.zeros(3))

    def forward(self, x, w, skip):
        y = self.conv(x, w) + self.bias.view(1, 3, 1, 1)
        if skip is not None:
            y = y + F.interpolate(skip, scale_factor=2, mode="bilinear", align_corners=False)
        return y


class SynthesisBlock(nn.Module):
    def __init__(self, n_in, n_out, w_dim, first):
        super().__init__()
        if not first:
            self.conv0 = StyledConv(n_in, n_out, w_dim, True)
        self.conv1 = StyledConv(n_in if first else n_out, n_out, w_dim, False)
        self.to_rgb = ToRgb(n_out, w_dim)
        self.first = first

    def forward(self, x, rgb, w, noise0, noise1):
        if not self.first:
            x = self.conv0(x, w, noise0)
        x = self.conv1(x, w, noise1)
        return x, self.to_rgb(x, w, rgb)


def channels(res, base, cmax):
    return max(1, min(cmax, base // res))


class Generator(nn.Module):
    def __init__(self, res, z_dim, w_dim, n_mlp, base, cmax):
        super().__init__()
        self.mapping = nn.Sequential(*[EqualLinear(z_dim if i == 0 else w_dim, w_dim, 0.0, 0.01,
                                                   True) for i in range(n_mlp)])
        self.input = nn.Parameter(torch.randn(1, channels(4, base, cmax), 4, 4))
        self.register_buffer("w_avg", torch.zeros(w_dim))
        self.res = [4 * 2 ** i for i in range(int(math.log2(res)) - 1)]
        for r in self.res:
            setattr(self, "b%d" % r, SynthesisBlock(channels(max(4, r // 2), base, cmax),
                                                    channels(r, base, cmax), w_dim, r == 4))

    def forward(self, z, noises):
        z = z * torch.rsqrt((z ** 2).mean(dim=1, keepdim=True) + 1e-8)
        w = self.mapping(z)
        x, rgb = self.input.repeat(z.shape[0], 1, 1, 1), None
        for r in self.res:
            x, rgb = getattr(self, "b%d" % r)(x, rgb, w, noises.get("b%d.conv0" % r),
                                              noises["b%d.conv1" % r])
        return rgb


def minibatch_stddev(x, group=4):
    n, c, h, w = x.shape
    g = min(group, n)
    while n % g:
        g -= 1
    y = x.reshape(g, n // g, c, h, w)
    sd = torch.sqrt(((y - y.mean(0, keepdim=True)) ** 2).mean(0) + 1e-8)  # (M, C, H, W)
    f = sd.mean(dim=(1, 2, 3))  # (M)
    feat = torch.stack([f[i % (n // g)] for i in range(n)]).view(n, 1, 1, 1).expand(n, 1, h, w)
    return torch.cat([x, feat], 1)


class DiscriminatorBlock(nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.conv0 = EqualConv2d(n_in, n_in, 3, True, True)
        self.conv1 = EqualConv2d(n_in, n_out, 3, True, True, True)
        self.skip = EqualConv2d(n_in, n_out, 1, False, False, True)

    def forward(self, x):
        return (self.conv1(self.conv0(x)) + self.skip(x)) / SQRT2


class Discriminator(nn.Module):
    def __init__(self, res, base, cmax):
        super().__init__()
        self.from_rgb = EqualConv2d(3, channels(res, base, cmax), 1, True, True)
        blocks, r = [], res
        while r > 4:
            blocks.append(DiscriminatorBlock(channels(r, base, cmax), channels(r // 2, base, cmax)))
            r //= 2
        self.blocks = nn.Sequential(*blocks)
        c4 = channels(4, base, cmax)
        self.final_conv = EqualConv2d(c4 + 1, c4, 3, True, True)
        self.fc = EqualLinear(c4 * 16, c4, activate=True)
        self.out = EqualLinear(c4, 1)

    def forward(self, x):
        h = self.final_conv(minibatch_stddev(self.blocks(self.from_rgb(x))))
        return self.out(self.fc(h.flatten(1)))


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
