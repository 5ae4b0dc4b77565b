#!/usr/bin/env python3
"""Writes reference checkpoints for tests/test_models.cpp: small versions of CycleGAN's
ResnetGenerator, PatchGAN's NLayerDiscriminator and pix2pix's UnetGenerator (layer lists of
pytorch-CycleGAN-and-pix2pix), gan-compression's MobileResnetGenerator, and the DCGAN tutorial's
Generator and Discriminator, built in PyTorch with the same parameter names; their state_dicts as
safetensors, and an input/output pair each.
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


class UnetBlock(nn.Module):
    """One U-Net level; every level but the outermost returns cat([x, model(x)], 1)."""

    def __init__(self, outer, inner, input_nc=None, sub=None, kind="middle"):
        super().__init__()
        self.outermost = kind == "outermost"
        input_nc = input_nc or outer
        down = nn.Conv2d(input_nc, inner, 4, 2, 1, bias=False)
        if kind == "outermost":
            layers = [down, sub, nn.ReLU(True), nn.ConvTranspose2d(inner * 2, outer, 4, 2, 1),
                      nn.Tanh()]
        elif kind == "innermost":
            layers = [nn.LeakyReLU(0.2, True), down, nn.ReLU(True),
                      nn.ConvTranspose2d(inner, outer, 4, 2, 1, bias=False), nn.BatchNorm2d(outer)]
        else:
            layers = [nn.LeakyReLU(0.2, True), down, nn.BatchNorm2d(inner), sub, nn.ReLU(True),
                      nn.ConvTranspose2d(inner * 2, outer, 4, 2, 1, bias=False),
                      nn.BatchNorm2d(outer)]
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x) if self.outermost else torch.cat([x, self.model(x)], 1)


def unet_generator(in_nc, out_nc, num_downs, ngf):
    block = UnetBlock(ngf * 8, ngf * 8, kind="innermost")
    for _ in range(num_downs - 5):
        block = UnetBlock(ngf * 8, ngf * 8, sub=block)
    for mult in (4, 2, 1):
        block = UnetBlock(ngf * mult, ngf * mult * 2, sub=block)
    net = nn.Module()
    net.model = UnetBlock(out_nc, ngf, in_nc, block, kind="outermost")
    net.forward = lambda x: net.model(x)
    return net


class SeparableConv(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(dim, dim, 3, groups=dim), nn.InstanceNorm2d(dim),
                                  nn.Conv2d(dim, dim, 1))

    def forward(self, x):
        return self.conv(x)


class MobileResnetBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(1), SeparableConv(dim), nn.InstanceNorm2d(dim), nn.ReLU(True),
            nn.Dropout(0.0), nn.ReflectionPad2d(1), SeparableConv(dim), nn.InstanceNorm2d(dim))

    def forward(self, x):
        return x + self.conv_block(x)


def mobile_resnet_generator(in_nc, out_nc, ngf, n_blocks):
    net = resnet_generator(in_nc, out_nc, ngf, n_blocks)
    for i in range(n_blocks):  # the residual blocks sit after the 10 stem and downsampling layers
        net.model[10 + i] = MobileResnetBlock(ngf * 4)
    return net


def dcgan_generator(nz, ngf, nc, image_size):
    mult = image_size // 8
    layers = [nn.ConvTranspose2d(nz, ngf * mult, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * mult),
              nn.ReLU(True)]
    while mult > 1:
        layers += [nn.ConvTranspose2d(ngf * mult, ngf * mult // 2, 4, 2, 1, bias=False),
                   nn.BatchNorm2d(ngf * mult // 2), nn.ReLU(True)]
        mult //= 2
    layers += [nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh()]
    net = nn.Module()
    net.main = nn.Sequential(*layers)
    net.forward = lambda x: net.main(x)
    return net


def dcgan_discriminator(nc, ndf, image_size):
    layers = [nn.Conv2d(nc, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
    mult = 1
    while mult < image_size // 8:
        layers += [nn.Conv2d(ndf * mult, ndf * mult * 2, 4, 2, 1, bias=False),
                   nn.BatchNorm2d(ndf * mult * 2), nn.LeakyReLU(0.2, True)]
        mult *= 2
    layers += [nn.Conv2d(ndf * mult, 1, 4, 1, 0, bias=False)]  # logits: no Sigmoid
    net = nn.Module()
    net.main = nn.Sequential(*layers)
    net.forward = lambda x: net.main(x)
    return net


def randomize_batch_norms(net):
    """Non-trivial running statistics and affine parameters, compared in eval mode."""
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.uniform_(0.5, 1.5)
            m.bias.uniform_(-0.5, 0.5)
    return net.eval()


def save_reference(net, x, name):
    save_file({k: v.contiguous() for k, v in net.state_dict().items()},
              os.path.join(here, name + ".safetensors"))
    save_file({"input": x, "output": net(x)}, os.path.join(here, name + "_io.safetensors"))


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
    # Written after the first two so their bytes (drawn from the same seed) stay as committed.
    save_reference(randomize_batch_norms(unet_generator(3, 3, 5, 4)), torch.randn(2, 3, 32, 32),
                   "unet_small")
    save_reference(mobile_resnet_generator(3, 3, 4, 3).eval(), torch.randn(1, 3, 32, 32),
                   "mobile_resnet_small")
    save_reference(randomize_batch_norms(dcgan_generator(16, 8, 3, 32)),
                   torch.randn(2, 16, 1, 1), "dcgan_g_small")
    save_reference(randomize_batch_norms(dcgan_discriminator(3, 8, 64)),
                   torch.randn(2, 3, 64, 64), "dcgan_d_small")
print("wrote resnet, patchgan, unet, mobile_resnet, dcgan_g and dcgan_d _small references")


# ---- SNGAN generator (gan/sngan.h), written from its description: conditional BN is BN without
# affine followed by per-class gamma, beta from one embedding (gamma in the first C columns); the
# up block is CBN -> ReLU -> nearest x2 -> conv3x3 -> CBN -> ReLU -> conv3x3 plus the shortcut
# nearest x2 -> conv1x1.
class CondBatchNorm(nn.Module):
    def __init__(self, channels, num_classes):
        super().__init__()
        self.bn = nn.BatchNorm2d(channels, affine=False)
        self.embed = nn.Embedding(num_classes, 2 * channels)

    def forward(self, x, y):
        gamma, beta = self.embed(y).chunk(2, dim=1)
        return self.bn(x) * gamma[:, :, None, None] + beta[:, :, None, None]


class SnganUpBlock(nn.Module):
    def __init__(self, cin, cout, num_classes):
        super().__init__()
        self.b1 = CondBatchNorm(cin, num_classes)
        self.c1 = nn.Conv2d(cin, cout, 3, 1, 1)
        self.b2 = CondBatchNorm(cout, num_classes)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1)
        self.c_sc = nn.Conv2d(cin, cout, 1)

    def forward(self, x, y):
        up = lambda t: nn.functional.interpolate(t, scale_factor=2, mode="nearest")
        h = self.c1(up(torch.relu(self.b1(x, y))))
        h = self.c2(torch.relu(self.b2(h, y)))
        return h + self.c_sc(up(x))


class SnganGenerator(nn.Module):
    def __init__(self, z_dim, ch, out_nc, num_classes):
        super().__init__()
        self.ch = ch
        self.l1 = nn.Linear(z_dim, 16 * ch)
        self.block2 = SnganUpBlock(ch, ch, num_classes)
        self.block3 = SnganUpBlock(ch, ch, num_classes)
        self.block4 = SnganUpBlock(ch, ch, num_classes)
        self.b5 = nn.BatchNorm2d(ch)
        self.c5 = nn.Conv2d(ch, out_nc, 3, 1, 1)

    def forward(self, z, y):
        h = self.l1(z).view(z.shape[0], self.ch, 4, 4)
        for block in (self.block2, self.block3, self.block4):
            h = block(h, y)
        return torch.tanh(self.c5(torch.relu(self.b5(h))))


def randomize_conditional(net):
    """Per-class gamma, beta far from (1, 0) and non-trivial running statistics, in eval mode."""
    for m in net.modules():
        if isinstance(m, CondBatchNorm):
            c = m.bn.num_features
            m.embed.weight[:, :c].uniform_(0.5, 1.5)
            m.embed.weight[:, c:].uniform_(-0.5, 0.5)
    return randomize_all_batch_norms(net)


def randomize_all_batch_norms(net):
    """randomize_batch_norms for nets that also have BNs without affine parameters."""
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 1.5)
            if m.affine:
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
    return net.eval()


def save_conditional_reference(net, x, y, name):
    save_file({k: v.contiguous() for k, v in net.state_dict().items()},
              os.path.join(here, name + ".safetensors"))
    save_file({"input": x, "labels": y, "output": net(x, y)},
              os.path.join(here, name + "_io.safetensors"))


# Drawn after every reference above, so their bytes stay as committed.
with torch.no_grad():
    save_conditional_reference(randomize_conditional(SnganUpBlock(8, 6, 5)),
                               torch.randn(3, 8, 6, 6), torch.tensor([0, 4, 2]),
                               "sngan_gblock_small")
    save_conditional_reference(randomize_conditional(SnganGenerator(16, 8, 3, 5)),
                               torch.randn(2, 16), torch.tensor([3, 1]), "sngan_g_small")
print("wrote sngan_gblock and sngan_g _small references")
