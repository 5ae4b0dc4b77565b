#!/usr/bin/env python3
"""Writes reference checkpoints for tests/test_models.cpp: a small CycleGAN ResnetGenerator and a
PatchGAN NLayerDiscriminator built in PyTorch with the layer lists (and so the parameter names)
of pytorch-CycleGAN-and-pix2pix, their state_dicts as safetensors, and an input/output pair.
Needs torch and safetensors (see tests/make_safetensors_refs.py for the venv):
  /tmp/stvenv/bin/python tests/make_model_refs.py
"""
import os

import torch
import torch.nn as nn
from safetensors.torch import save_file


class ResnetBlock(nn.Module):
    def __init__(self, dim, norm, bias):
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=bias), norm(dim), nn.ReLU(True),
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=bias), norm(dim))

    def forward(self, x):
        return x + self.conv_block(x)


def resnet_generator(in_nc, out_nc, ngf, n_blocks):
    norm, bias = nn.InstanceNorm2d, True
    layers = [nn.ReflectionPad2d(3), nn.Conv2d(in_nc, ngf, 7, bias=bias), norm(ngf), nn.ReLU(True)]
    for i in range(2):
        m = 2 ** i
        layers += [nn.Conv2d(ngf * m, ngf * m * 2, 3, stride=2, padding=1, bias=bias),
                   norm(ngf * m * 2), nn.ReLU(True)]
    layers += [ResnetBlock(ngf * 4, norm, bias) for _ in range(n_blocks)]
    for i in range(2):
        m = 2 ** (2 - i)
        layers += [nn.ConvTranspose2d(ngf * m, ngf * m // 2, 3, stride=2, padding=1,
                                      output_padding=1, bias=bias),
                   norm(ngf * m // 2), nn.ReLU(True)]
    layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, out_nc, 7), nn.Tanh()]
    net = nn.Module()
    net.model = nn.Sequential(*layers)
    net.forward = lambda x: net.model(x)
    return net


def patchgan(in_nc, ndf, n_layers):
    norm, bias = nn.BatchNorm2d, False
    layers = [nn.Conv2d(in_nc, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True)]
    mult = 1
    for n in range(1, n_layers + 1):
        prev, mult = mult, min(2 ** n, 8)
        layers += [nn.Conv2d(ndf * prev, ndf * mult, 4, 2 if n < n_layers else 1, 1, bias=bias),
                   norm(ndf * mult), nn.LeakyReLU(0.2, True)]
    layers += [nn.Conv2d(ndf * mult, 1, 4, 1, 1)]
    net = nn.Module()
    net.model = nn.Sequential(*layers)
    net.forward = lambda x: net.model(x)
    return net


here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
torch.manual_seed(11)
with torch.no_grad():
    g = resnet_generator(3, 3, 4, 2).eval()
    x = torch.randn(1, 3, 32, 32)
    save_file({k: v.contiguous() for k, v in g.state_dict().items()},
              os.path.join(here, "resnet_small.safetensors"))
    save_file({"input": x, "output": g(x)}, os.path.join(here, "resnet_small_io.safetensors"))
    d = patchgan(3, 8, 3)
    for m in d.modules():  # non-trivial running statistics, compared in eval mode
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.uniform_(0.5, 1.5)
            m.bias.uniform_(-0.5, 0.5)
    d.eval()
    xd = torch.randn(2, 3, 64, 64)
    save_file({k: v.contiguous() for k, v in d.state_dict().items()},
              os.path.join(here, "patchgan_small.safetensors"))
    save_file({"input": xd, "output": d(xd)}, os.path.join(here, "patchgan_small_io.safetensors"))
print("wrote resnet_small and patchgan_small references")
