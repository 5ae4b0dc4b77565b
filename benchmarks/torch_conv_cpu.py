#!/usr/bin/python3
# PyTorch CPU reference for benchmarks/bench_conv_cpu.cpp: the same conv2d layers, the same
# protocol (warm-up, median of --reps, forward under no_grad, backward = autograd.grad for input,
# weight and bias) and the same JSON keys. Run with Debian's /usr/bin/python3 (python3-torch).
import argparse
import json
import os
import statistics
import time

import torch

LAYERS = [
    # name, N, C, H, W, K, R, S, stride, pad
    ("cyclegan", 1, 256, 64, 64, 256, 3, 3, 1, 1),
    ("dcgan", 64, 64, 32, 32, 128, 4, 4, 2, 1),
    ("patch2", 1, 64, 128, 128, 128, 4, 4, 2, 1),
    ("patch3", 1, 128, 64, 64, 256, 4, 4, 2, 1),
    ("patch4", 1, 256, 32, 32, 512, 4, 4, 1, 1),
    ("patch5", 1, 512, 31, 31, 1, 4, 4, 1, 1),
    ("g_out", 1, 16, 262, 262, 3, 7, 7, 1, 0),
]


def run(layer, reps, warmup, as_json, fwd_only=False):
    name, n, c, h, w, k, r, s, stride, pad = layer
    p, q = (h + 2 * pad - r) // stride + 1, (w + 2 * pad - s) // stride + 1
    flops = 2.0 * n * k * p * q * c * r * s
    g = torch.Generator().manual_seed(1)
    x = torch.randn(n, c, h, w, generator=g, requires_grad=True)
    wt = (torch.randn(k, c, r, s, generator=g) * 0.05).requires_grad_()
    b = torch.randn(k, generator=g, requires_grad=True)
    gy = torch.randn(n, k, p, q, generator=g)
    conv = torch.nn.functional.conv2d
    fwd, bwd = [], []
    for i in range(warmup + reps):
        t0 = time.perf_counter()
        with torch.no_grad():
            conv(x, wt, b, stride, pad)
        t1 = time.perf_counter()
        if fwd_only:
            if i >= warmup:
                fwd.append((t1 - t0) * 1e3)
            continue
        y = conv(x, wt, b, stride, pad)
        t2 = time.perf_counter()
        torch.autograd.grad(y, [x, wt, b], gy)
        t3 = time.perf_counter()
        if i >= warmup:
            fwd.append((t1 - t0) * 1e3)
            bwd.append((t3 - t2) * 1e3)
    f = statistics.median(fwd)
    if fwd_only:
        row = {"layer": name, "fwd_ms": round(f, 3), "fwd_gflops": round(flops / f * 1e-6, 1),
               "threads": torch.get_num_threads()}
        print(json.dumps(row) if as_json else f"{name:10s} fwd {f:8.2f} ms", flush=True)
        return
    bk = statistics.median(bwd)
    row = {"layer": name, "fwd_ms": round(f, 3), "bwd_ms": round(bk, 3),
           "fwd_gflops": round(flops / f * 1e-6, 1), "bwd_gflops": round(2 * flops / bk * 1e-6, 1),
           "threads": torch.get_num_threads()}
    if as_json:
        print(json.dumps(row), flush=True)
    else:
        print(f"{name:10s} fwd {f:8.2f} ms {row['fwd_gflops']:6.1f} GFLOP/s | "
              f"bwd {bk:8.2f} ms {row['bwd_gflops']:6.1f} GFLOP/s", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--fwd-only", action="store_true", help="time the forward alone")
    ap.add_argument("--layer", help="run one layer by name (see LAYERS)")
    a = ap.parse_args()
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    if not a.json:
        print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, "
              f"mkldnn {torch.backends.mkldnn.is_available()}, median of {a.reps}")
    for layer in LAYERS:
        if a.layer in (None, layer[0]):
            run(layer, max(1, a.reps), max(0, a.warmup), a.json, a.fwd_only)


if __name__ == "__main__":
    main()
