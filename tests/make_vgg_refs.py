#!/usr/bin/env python3
"""Writes tests/data/vgg16_w4{,_io}.safetensors for tests/test_models.cpp: torchvision's VGG16
feature stack (configuration D: 3x3 convolutions with bias, ReLU, 2x2 max pooling, the layers
features.0-22 up to relu4_3), built here layer for layer with torchvision's indices at a sixteenth
of its width (block channels 4, 8, 16, 32), random weights; the state_dict, and an input with the
four taps relu1_2, relu2_2, relu3_3, relu4_3. torchvision itself is not needed (nor installed).
  /tmp/stvenv/bin/python tests/make_vgg_refs.py
"""
import os

import torch
import torch.nn as nn
from safetensors.torch import save_file

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def vgg16_features(in_nc, w):
    layers, c = [], in_nc
    for i, block in enumerate([[w, w], [2 * w] * 2, [4 * w] * 3, [8 * w] * 3]):
        if i:
            layers.append(nn.MaxPool2d(2, 2))
        for out in block:
            layers += [nn.Conv2d(c, out, 3, padding=1), nn.ReLU(inplace=False)]
            c = out
    return nn.Sequential(*layers)


def main():
    torch.manual_seed(16)
    features = vgg16_features(3, 4)
    assert len(features) == 23
    net = nn.Module()
    net.features = features
    x = torch.rand(2, 3, 32, 32)  # (x + 1) / 2 of an image: in [0, 1]
    taps, h = {}, x
    with torch.no_grad():
        for i, layer in enumerate(features):
            h = layer(h)
            if i in (3, 8, 15, 22):
                taps[f"tap{len(taps)}"] = h.clone()
    save_file({k: v.contiguous() for k, v in net.state_dict().items()},
              os.path.join(here, "vgg16_w4.safetensors"))
    save_file({"input": x, **taps}, os.path.join(here, "vgg16_w4_io.safetensors"))


if __name__ == "__main__":
    main()
