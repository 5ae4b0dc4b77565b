#!/usr/bin/python3
# ganlite against PyTorch on the same models, the same weights and the same protocol:
#   benchmarks/peers/compare.sh cpu|cuda [NAME...]   (NAME: rows to run, default all)
# For each model, ROUNDS rounds of `ganlite bench model ... --save DIR --json` then bench_torch.py
# on DIR (which also reports the largest difference between the two outputs on ganlite's saved
# input): the engines alternate, so a host whose speed drifts (seen on the 2-vCPU machine: half
# speed for a while) slows both alike. Each figure is the median over the rounds of each round's
# median; the ratio is the median of the per-round ratios. Writes
# benchmarks/results/<date>-<device>.json and prints the ratio table (ganlite / torch: below 1,
# ganlite is faster). The R1 rows time D's step alone without and with the R1 penalty on the same
# D and weights; their r1_overhead row compares the two engines' with/without ratios.
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
import bench_torch  # noqa: E402

ROUNDS = 3
RESNET = {"input_nc": 3, "output_nc": 3, "ngf": 64, "n_blocks": 9, "norm": "instance"}
PATCHGAN = {"input_nc": 3, "ndf": 64, "n_layers": 3, "norm": "batch"}
# name, G, G options, size, D, D options, inference batches, runs per round, warm-up per round
MODELS = [
    ("cyclegan_resnet9", "resnet_generator", RESNET, 256, "patchgan", PATCHGAN, [1, 16], 1, 1),
    ("mobile_student_ngf16", "mobile_resnet_generator", {**RESNET, "ngf": 16}, 256, "patchgan",
     PATCHGAN, [1, 16], 2, 1),
    ("pix2pix_unet256", "unet_generator",
     {"input_nc": 3, "output_nc": 3, "num_downs": 8, "ngf": 64, "norm": "batch"}, 256, "patchgan",
     PATCHGAN, [1, 16], 2, 1),
    ("dcgan64", "dcgan_generator", {"nz": 100, "ngf": 64, "output_nc": 3, "image_size": 64}, 64,
     "dcgan_discriminator", {"input_nc": 3, "ndf": 64, "image_size": 64}, [1, 16], 4, 2),
    ("sngan_cond32", "sngan_generator",
     {"z_dim": 128, "ch": 256, "output_nc": 3, "num_classes": 10}, 32, "", {}, [1, 16], 4, 2),
]


# D's step without and with R1 (`bench model --r1`): name, G, G options, size, D, D options,
# training batch, runs per round, warm-up per round. The G only makes the fake batch.
SG2 = {"resolution": 32, "channel_base": 4096, "channel_max": 256, "img_channels": 3}
R1_MODELS = [
    ("dcgan64_d", "dcgan_generator", {"nz": 100, "ngf": 64, "output_nc": 3, "image_size": 64}, 64,
     "dcgan_discriminator", {"input_nc": 3, "ndf": 64, "image_size": 64, "norm": "batch"}, 8, 6,
     2),
    ("stylegan2_d32", "stylegan2_generator", {**SG2, "z_dim": 128, "w_dim": 128, "n_mlp": 2}, 32,
     "stylegan2_discriminator", SG2, 8, 6, 2),
]


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main():
    device = sys.argv[1] if len(sys.argv) > 1 else "cpu"
    if device not in ("cpu", "cuda"):
        raise SystemExit("usage: compare.sh cpu|cuda [NAME...]")
    only = set(sys.argv[2:])  # row names to run; all when none are given
    known = {m[0] for m in MODELS + R1_MODELS}
    if only - known:
        raise SystemExit(f"unknown rows {sorted(only - known)}; known: {sorted(known)}")
    ganlite = os.path.join(ROOT, "build", "bin", "ganlite")
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    rows, table = [], []
    for name, g, go, size, d, do, batches, runs, warmup in MODELS:
        if only and name not in only:
            continue
        rounds = []  # (ours, theirs) per round
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [ganlite, "bench", "model", "--model", g, "--size", str(size), "--batch",
                   ",".join(map(str, batches)), "--runs", str(runs), "--warmup", str(warmup),
                   "--device", device, "--save", tmp, "--json"]
            for k, v in go.items():
                cmd += ["--set", f"{k}={v}"]
            if d:
                cmd += ["--train-with", d]  # D's defaults equal the options listed above
            for _ in range(ROUNDS):
                ours = json.loads(subprocess.run(cmd, check=True, capture_output=True,
                                                 text=True).stdout)
                theirs = bench_torch.bench(g, go, d, do, batches, runs, warmup, 1, tmp, device,
                                           ours["threads"])
                rounds.append((ours, theirs))
        ours = rounds[0][0]

        def per_round(pick):
            """Median over rounds of ganlite's and torch's times, and of their ratio."""
            o = [pick(r[0])["median_ms"] for r in rounds]
            t = [pick(r[1])["median_ms"] for r in rounds]
            return (statistics.median(o), statistics.median(t),
                    statistics.median(a / b for a, b in zip(o, t)))

        modes = [(f"infer_b{b}", lambda r, i=i: r["infer"][i]) for i, b in enumerate(batches)]
        if d:
            modes.append(("train_step", lambda r: r["train_step"]))
        for mode, pick in modes:
            om, tm, ratio = per_round(pick)
            r = {"model": name, "mode": mode, "ganlite_ms": round(om, 3), "torch_ms": round(tm, 3),
                 "ratio": round(ratio, 3), "rounds": ROUNDS, "macs_true": ours["macs_true"],
                 "max_abs_diff": max(x[1]["max_abs_diff"] for x in rounds)}
            rows.append(r)
            table.append(f"{name:22s} {mode:11s} {r['ganlite_ms']:11.2f} {r['torch_ms']:11.2f} "
                         f"{r['ratio']:7.3f} {r['max_abs_diff']:10.2e}")
            print(table[-1], flush=True)
    for name, g, go, size, d, do, batch, runs, warmup in R1_MODELS:
        if only and name not in only:
            continue
        rounds = []
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [ganlite, "bench", "model", "--model", g, "--size", str(size), "--batch", "1",
                   "--runs", str(runs), "--warmup", str(warmup), "--train-with", d,
                   "--train-batch", str(batch), "--r1", "--device", device, "--save", tmp,
                   "--json"]
            cmd += [a for k, v in go.items() for a in ("--set", f"{k}={v}")]
            cmd += [a for k, v in do.items() for a in ("--set-d", f"{k}={v}")]
            for _ in range(ROUNDS):
                ours = json.loads(subprocess.run(cmd, check=True, capture_output=True,
                                                 text=True).stdout)
                shape = (do.get("input_nc", do.get("img_channels")), size, size)
                theirs = bench_torch.bench_r1(d, do, shape, batch, runs, warmup, tmp, device,
                                              ours["threads"])
                rounds.append((ours, theirs))
        for mode in ("d_step", "d_step_r1", "r1_overhead"):
            if mode == "r1_overhead":
                o = statistics.median(r[0]["r1_overhead"] for r in rounds)
                t = statistics.median(r[1]["r1_overhead"] for r in rounds)
                ratio = statistics.median(r[0]["r1_overhead"] / r[1]["r1_overhead"]
                                          for r in rounds)
                r = {"model": name, "mode": mode, "ganlite_x": round(o, 3),
                     "torch_x": round(t, 3), "ratio": round(ratio, 3), "rounds": ROUNDS}
                rows.append(r)
                table.append(f"{name:22s} {mode:11s} {o:10.2f}x {t:10.2f}x {ratio:7.3f}")
            else:
                o = [x[0][mode]["median_ms"] for x in rounds]
                t = [x[1][mode]["median_ms"] for x in rounds]
                r = {"model": name, "mode": mode, "batch": batch,
                     "ganlite_ms": round(statistics.median(o), 3),
                     "torch_ms": round(statistics.median(t), 3),
                     "ratio": round(statistics.median(a / b for a, b in zip(o, t)), 3),
                     "rounds": ROUNDS}
                rows.append(r)
                table.append(f"{name:22s} {mode:11s} {r['ganlite_ms']:11.2f} "
                             f"{r['torch_ms']:11.2f} {r['ratio']:7.3f}")
            print(table[-1], flush=True)
    result = {"date": datetime.date.today().isoformat(), "device": device,
              "cpu": cpu_name(), "threads": rounds[0][0]["threads"],
              "torch": torch.__version__, "torch_threads": torch.get_num_threads(),
              "commit": commit, "results": rows}
    # A second run on the same day gets -2, -3, ... rather than replacing the first.
    base = os.path.join(ROOT, "benchmarks", "results", f"{result['date']}-{device}")
    out, n = base + ".json", 1
    while os.path.exists(out):
        n += 1
        out = f"{base}-{n}.json"
    with open(out, "w") as f:
        json.dump(result, f, indent=1)
    print(f"\n{'model':22s} {'mode':11s} {'ganlite ms':>11s} {'torch ms':>11s} {'ratio':>7s} "
          f"{'max|diff|':>10s}")
    print("\n".join(table))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
