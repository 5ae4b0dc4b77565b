#!/usr/bin/env python3
"""Writes the golden data of the `ganlite infer --model ... --weights FILE` test
(tests/test_cli_weights.cpp): an 8-bit RGB PNG, tests/data/cli_weights_input.png, and PyTorch's
output for it, tests/data/cli_weights_torch_out.safetensors, from the small CycleGAN
ResnetGenerator whose PyTorch state_dict is tests/data/resnet_small.safetensors
(tests/make_model_refs.py). The image is read as ganlite reads images: byte / 127.5 - 1.
Needs torch and safetensors (see tests/make_safetensors_refs.py for the venv):
  /tmp/stvenv/bin/python tests/make_cli_weights_refs.py
"""
import os
import struct
import zlib

import torch
from safetensors.torch import load_file, save_file

from torch_models import resnet_generator

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
W, H = 36, 28  # a multiple of 4, as the two stride-2 stages need


def png_rgb(pixels, width, height):
    """An 8-bit RGB PNG: IHDR, one IDAT (filter 0 per row), IEND."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    raw = b"".join(b"\x00" + bytes(pixels[y * width * 3:(y + 1) * width * 3])
                   for y in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) +
            chunk(b"IEND", b""))


pixels = [(x * 7 + y * 13 + c * 71 + (x * y) % 17) % 256
          for y in range(H) for x in range(W) for c in range(3)]
with open(os.path.join(here, "cli_weights_input.png"), "wb") as f:
    f.write(png_rgb(pixels, W, H))

g = resnet_generator(3, 3, 4, 2).eval()
g.load_state_dict(load_file(os.path.join(here, "resnet_small.safetensors")))
x = torch.tensor(pixels, dtype=torch.float32).reshape(H, W, 3).permute(2, 0, 1)
x = (x / 127.5 - 1.0).unsqueeze(0).contiguous()
with torch.no_grad():
    y = g(x)
save_file({"input": x, "output": y.contiguous()},
          os.path.join(here, "cli_weights_torch_out.safetensors"))
print("output", tuple(y.shape), "range", float(y.min()), float(y.max()))
