#!/usr/bin/env python3
"""Writes tests/data/torch_written.safetensors with the official safetensors library (what a
PyTorch user's checkpoint looks like) and tests/data/torch_written.json with the values as
float64 lists, for tests/test_safetensors.cpp. Needs torch and safetensors, e.g.:
  /usr/bin/python3 -m venv --system-site-packages /tmp/stvenv && /tmp/stvenv/bin/pip install safetensors
  /tmp/stvenv/bin/python tests/make_safetensors_refs.py
"""
import json
import os

import torch
from safetensors.torch import save_file

torch.manual_seed(5)
tensors = {
    "model.1.weight": torch.randn(4, 3, 3, 3),
    "model.1.bias": torch.randn(4),
    "double": torch.randn(2, 2, dtype=torch.float64),
    "steps": torch.tensor([3, -7, 11], dtype=torch.int64),
    "half": torch.tensor([0.5, -2.0, 65504.0, 6e-8, 0.0], dtype=torch.float16),
    "bf16": torch.tensor([1.0, -3.5, 1e30], dtype=torch.bfloat16),
    "int32": torch.tensor([[1, -2], [3, 2147483647]], dtype=torch.int32),
    "mask": torch.tensor([True, False, True]),
    "scalar": torch.tensor(2.5),
    "empty": torch.zeros(0, 3),
}
here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
save_file(tensors, os.path.join(here, "torch_written.safetensors"), metadata={"format": "pt"})
expected = {k: {"shape": list(v.shape), "data": [float(x) for x in v.double().reshape(-1).tolist()]}
            for k, v in tensors.items()}
with open(os.path.join(here, "torch_written.json"), "w") as f:
    json.dump(expected, f)
print("wrote", len(tensors), "tensors")
