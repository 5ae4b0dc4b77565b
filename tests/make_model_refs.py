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

from torch_models import (CondBatchNorm, SnganGenerator, SnganUpBlock, dcgan_discriminator,
                          dcgan_generator, mobile_resnet_generator, patchgan, resnet_generator,
                          unet_generator)


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
