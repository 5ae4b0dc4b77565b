#!/usr/bin/env python3
"""Loads a safetensors file written by ganlite with the official library and prints each tensor's
dtype, shape and sum: the other direction of the interop check (tests/test_safetensors.cpp reads
files written by PyTorch). Usage: python tests/check_safetensors_interop.py FILE
(needs torch and safetensors; see tests/make_safetensors_refs.py)."""
import sys

from safetensors import safe_open

with safe_open(sys.argv[1], framework="pt") as f:
    print("metadata", f.metadata())
    for k in sorted(f.keys()):
        t = f.get_tensor(k)
        print(k, t.dtype, list(t.shape), float(t.double().sum()))
