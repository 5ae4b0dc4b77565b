#!/usr/bin/env python3
# GPU anchors that our CUDA kernels are measured against (docs/results/gpu.md): cuDNN through
# PyTorch on the GAN conv layer set (fprop, dgrad, wgrad; FP32 and TF32; batch 1 and 16), the
# device's copy bandwidth and GEMM rate, and a PyTorch eager CycleGAN training step (2 G + 2 D,
# batch 1, 256x256). Runs on the GPU machine's own python3 (PyTorch with CUDA).
#
#   python3 benchmarks/torch_anchors.py --csv OUT/anchors.csv [--quick]
#
# Protocol: inputs drawn at random (never zeros); cudnn.benchmark on, so cuDNN picks its fastest
# algorithm per shape; warm-up, then the median of --reps timed with CUDA events; L2 flushed
# before each rep by writing a buffer twice the size of L2.
import argparse
import csv
import statistics
import subprocess
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

# name, C, H, W, K, R, stride, pad, groups, transposed (output_padding 1 when transposed)
LAYERS = [
    ("cyclegan_stem_7x7", 3, 262, 262, 64, 7, 1, 0, 1, False),
    ("cyclegan_down1_3x3s2", 64, 256, 256, 128, 3, 2, 1, 1, False),
    ("cyclegan_down2_3x3s2", 128, 128, 128, 256, 3, 2, 1, 1, False),
    ("cyclegan_res_3x3_256", 256, 66, 66, 256, 3, 1, 0, 1, False),
    ("cyclegan_up1_t3x3s2", 256, 64, 64, 128, 3, 2, 1, 1, True),
    ("cyclegan_up2_t3x3s2", 128, 128, 128, 64, 3, 2, 1, 1, True),
    ("patchgan_l1_4x4s2", 3, 256, 256, 64, 4, 2, 1, 1, False),
    ("patchgan_l2_4x4s2", 64, 128, 128, 128, 4, 2, 1, 1, False),
    ("patchgan_l3_4x4s2", 128, 64, 64, 256, 4, 2, 1, 1, False),
    ("patchgan_l4_4x4s1", 256, 32, 32, 512, 4, 1, 1, 1, False),
    ("dcgan_4x4s2_64to128", 64, 32, 32, 128, 4, 2, 1, 1, False),
    ("student16_res_3x3_64", 64, 66, 66, 64, 3, 1, 0, 1, False),
    ("depthwise_3x3_256", 256, 64, 64, 256, 3, 1, 1, 256, False),
]


def out_size(h, r, stride, pad, transposed):
    if transposed:
        return (h - 1) * stride - 2 * pad + r + 1
    return (h + 2 * pad - r) // stride + 1


class Timer:
    def __init__(self, reps, warmup):
        self.reps, self.warmup = reps, warmup
        l2 = torch.cuda.get_device_properties(0).L2_cache_size
        self.flush = torch.empty(2 * l2 // 4 + 1, device="cuda")

    def median_ms(self, fn):
        for _ in range(self.warmup):
            fn()
        times = []
        for _ in range(self.reps):
            self.flush.fill_(1.0)
            a = torch.cuda.Event(enable_timing=True)
            b = torch.cuda.Event(enable_timing=True)
            a.record()
            fn()
            b.record()
            b.synchronize()
            times.append(a.elapsed_time(b))
        return statistics.median(times)


def set_tf32(on):
    torch.backends.cudnn.allow_tf32 = on
    torch.backends.cuda.matmul.allow_tf32 = on


def conv_rows(timer, batches):
    rows = []
    for name, c, h, w, k, r, stride, pad, groups, transposed in LAYERS:
        for n in batches:
            p, q = out_size(h, r, stride, pad, transposed), out_size(w, r, stride, pad, transposed)
            x = torch.randn(n, c, h, w, device="cuda")
            if transposed:
                wt = torch.randn(c, k // groups, r, r, device="cuda") * 0.05
                flops = 2.0 * n * c * h * w * (k // groups) * r * r
            else:
                wt = torch.randn(k, c // groups, r, r, device="cuda") * 0.05
                flops = 2.0 * n * k * p * q * (c // groups) * r * r
            gy = torch.randn(n, k, p, q, device="cuda")
            opad = [1, 1] if transposed else [0, 0]

            def fprop():
                if transposed:
                    F.conv_transpose2d(x, wt, None, stride, pad, 1, groups)
                else:
                    F.conv2d(x, wt, None, stride, pad, 1, groups)

            def backward(mask):
                torch.ops.aten.convolution_backward(gy, x, wt, None, [stride] * 2, [pad] * 2,
                                                    [1, 1], transposed, opad, groups, mask)

            for mode in ("fp32", "tf32"):
                set_tf32(mode == "tf32")
                with torch.no_grad():
                    for pas, fn in (("fprop", fprop),
                                    ("dgrad", lambda: backward([True, False, False])),
                                    ("wgrad", lambda: backward([False, True, False]))):
                        ms = timer.median_ms(fn)
                        rows.append({"layer": name, "batch": n, "pass": pas, "mode": mode,
                                     "ms": round(ms, 4), "tflops": round(flops / ms * 1e-9, 2),
                                     "gflop": round(flops * 1e-9, 3)})
                        print(f"{name:24s} b={n:<3d} {pas} {mode}: {ms:8.4f} ms "
                              f"{flops / ms * 1e-9:7.2f} TFLOP/s", flush=True)
    return rows


def copy_and_gemm_rows(timer):
    rows = []
    n = 1 << 28  # 1 GiB of f32
    a, b = torch.randn(n, device="cuda"), torch.empty(n, device="cuda")
    ms = timer.median_ms(lambda: b.copy_(a))
    rows.append({"layer": "copy_1GiB_d2d", "batch": 1, "pass": "copy", "mode": "fp32",
                 "ms": round(ms, 4), "tbps": round(2 * 4 * n / ms * 1e-9, 3)})
    print(f"device copy 1 GiB: {ms:.3f} ms, {2 * 4 * n / ms * 1e-9:.3f} TB/s (read + write)")
    del a, b
    m = 8192
    x, y = torch.randn(m, m, device="cuda"), torch.randn(m, m, device="cuda")
    for mode in ("fp32", "tf32"):
        set_tf32(mode == "tf32")
        ms = timer.median_ms(lambda: torch.mm(x, y))
        rows.append({"layer": "gemm_8192", "batch": 1, "pass": "gemm", "mode": mode,
                     "ms": round(ms, 4), "tflops": round(2.0 * m**3 / ms * 1e-9, 2)})
        print(f"gemm 8192^3 {mode}: {ms:.3f} ms, {2.0 * m**3 / ms * 1e-9:.1f} TFLOP/s")
    return rows


# A CycleGAN step in PyTorch eager (ResNet-9 G, 70x70 PatchGAN D, LSGAN, cycle 10, identity 0.5):
# the step our engine will be compared with once it trains on the GPU.
def resnet_generator(ngf=64, blocks=9):
    def block(ch):
        return nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(ch, ch, 3), nn.InstanceNorm2d(ch),
                             nn.ReLU(True), nn.ReflectionPad2d(1), nn.Conv2d(ch, ch, 3),
                             nn.InstanceNorm2d(ch))

    class Res(nn.Module):
        def __init__(self, ch):
            super().__init__()
            self.body = block(ch)

        def forward(self, x):
            return x + self.body(x)

    layers = [nn.ReflectionPad2d(3), nn.Conv2d(3, ngf, 7), nn.InstanceNorm2d(ngf), nn.ReLU(True)]
    ch = ngf
    for _ in range(2):
        layers += [nn.Conv2d(ch, ch * 2, 3, 2, 1), nn.InstanceNorm2d(ch * 2), nn.ReLU(True)]
        ch *= 2
    layers += [Res(ch) for _ in range(blocks)]
    for _ in range(2):
        layers += [nn.ConvTranspose2d(ch, ch // 2, 3, 2, 1, 1), nn.InstanceNorm2d(ch // 2),
                   nn.ReLU(True)]
        ch //= 2
    layers += [nn.ReflectionPad2d(3), nn.Conv2d(ch, 3, 7), nn.Tanh()]
    return nn.Sequential(*layers)


def patch_discriminator(ndf=64):
    layers = [nn.Conv2d(3, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True)]
    ch = ndf
    for i in range(1, 4):
        s = 2 if i < 3 else 1
        layers += [nn.Conv2d(ch, ch * 2, 4, s, 1), nn.InstanceNorm2d(ch * 2),
                   nn.LeakyReLU(0.2, True)]
        ch *= 2
    layers += [nn.Conv2d(ch, 1, 4, 1, 1)]
    return nn.Sequential(*layers)


def cyclegan_step_ms(mode, reps, warmup):
    set_tf32(mode == "tf32")
    torch.manual_seed(0)
    ga, gb = resnet_generator().cuda(), resnet_generator().cuda()
    da, db = patch_discriminator().cuda(), patch_discriminator().cuda()
    opt_g = torch.optim.Adam(list(ga.parameters()) + list(gb.parameters()), 2e-4, (0.5, 0.999))
    opt_d = torch.optim.Adam(list(da.parameters()) + list(db.parameters()), 2e-4, (0.5, 0.999))
    real_a, real_b = torch.randn(1, 3, 256, 256, device="cuda"), torch.randn(1, 3, 256, 256,
                                                                                device="cuda")
    mse = nn.MSELoss()

    def gan(d, x, target):
        y = d(x)
        return mse(y, torch.full_like(y, target))

    def step():
        for d in (da, db):
            d.requires_grad_(False)
        opt_g.zero_grad()
        fake_b, fake_a = ga(real_a), gb(real_b)
        loss = (gan(da, fake_b, 1.0) + gan(db, fake_a, 1.0) + 10 * F.l1_loss(gb(fake_b), real_a) +
                10 * F.l1_loss(ga(fake_a), real_b) + 5 * F.l1_loss(ga(real_b), real_b) +
                5 * F.l1_loss(gb(real_a), real_a))
        loss.backward()
        opt_g.step()
        for d in (da, db):
            d.requires_grad_(True)
        opt_d.zero_grad()
        ld = 0.5 * (gan(da, real_b, 1.0) + gan(da, fake_b.detach(), 0.0)) + 0.5 * (
            gan(db, real_a, 1.0) + gan(db, fake_a.detach(), 0.0))
        ld.backward()
        opt_d.step()

    timer = Timer(reps, warmup)
    return timer.median_ms(step)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--csv", required=True)
    ap.add_argument("--reps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="batch 1 only, fewer reps")
    args = ap.parse_args()
    if not torch.cuda.is_available():
        print("SKIPPED: PyTorch sees no CUDA device")
        return 77
    torch.backends.cudnn.benchmark = True
    props = torch.cuda.get_device_properties(0)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    print(f"device {props.name}, {props.multi_processor_count} SMs, torch {torch.__version__}, "
          f"CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}, commit {commit}")
    timer = Timer(args.reps, args.warmup)
    rows = copy_and_gemm_rows(timer)
    rows += conv_rows(timer, [1] if args.quick else [1, 16])
    for mode in ("fp32", "tf32"):
        ms = cyclegan_step_ms(mode, 10 if args.quick else 20, 3)
        rows.append({"layer": "cyclegan_train_step_256", "batch": 1, "pass": "step",
                     "mode": mode, "ms": round(ms, 3)})
        print(f"PyTorch eager CycleGAN step (2 G + 2 D, batch 1, 256^2) {mode}: {ms:.2f} ms")
    keys = ["device", "torch", "cuda", "cudnn", "commit", "layer", "batch", "pass", "mode", "ms",
            "tflops", "tbps", "gflop"]
    with open(args.csv, "w", newline="") as f:
        wr = csv.DictWriter(f, keys)
        wr.writeheader()
        for r in rows:
            wr.writerow({"device": props.name, "torch": torch.__version__,
                         "cuda": torch.version.cuda, "cudnn": torch.backends.cudnn.version(),
                         "commit": commit, **r})
    return 0


if __name__ == "__main__":
    sys.exit(main())
