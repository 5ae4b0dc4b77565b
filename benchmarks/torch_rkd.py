#!/usr/bin/env python3
"""PyTorch's side of bench_rkd: RKD's angle loss in the reference code's direct form (the
(N, N, D) tensor of F.normalize'd differences), f32, forward and backward on the CPU: the median
time of --reps passes and the process's peak resident memory growth over one pass (ru_maxrss; the
inputs and a warm-up of small sizes already resident).
  /usr/bin/python3 benchmarks/torch_rkd.py [--n 256] [--d 768] [--reps 5] [--threads T]
"""
import argparse
import json
import resource
import time

import torch
import torch.nn.functional as F


def angles(e):
    diff = e.unsqueeze(0) - e.unsqueeze(1)
    n = F.normalize(diff, p=2, dim=2)
    return torch.bmm(n, n.transpose(1, 2)).reshape(-1)


def one_pass(s, t):
    x = s.detach().requires_grad_(True)
    with torch.no_grad():
        ta = angles(t)
    loss = F.smooth_l1_loss(angles(x), ta)
    (g,) = torch.autograd.grad(loss, x)
    return g


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=256)
    p.add_argument("--d", type=int, default=768)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--threads", type=int, default=torch.get_num_threads())
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    g = torch.Generator().manual_seed(1)
    s = torch.randn(a.n, a.d, generator=g)
    t = torch.randn(a.n, a.d, generator=g)
    one_pass(s[:8, :8].contiguous(), t[:8, :8].contiguous())
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    one_pass(s, t)
    peak_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    ms = []
    for _ in range(a.reps):
        t0 = time.perf_counter()
        one_pass(s, t)
        ms.append((time.perf_counter() - t0) * 1e3)
    ms.sort()
    print(json.dumps({"form": "torch_direct", "n": a.n, "d": a.d, "threads": a.threads,
                      "ms": round(ms[len(ms) // 2], 3), "peak_rss_mb": round(peak_mb, 1),
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
