#!/usr/bin/python3
# ganlite against PyTorch on the same models, the same weights and the same protocol:
#   benchmarks/peers/compare.sh cpu|cuda
# For each model: `ganlite bench model ... --save DIR --json`, then bench_torch.py on DIR (which
# also reports the largest difference between the two outputs on ganlite's saved input). Writes
# benchmarks/results/<date>-<device>.json and prints the ratio table (ganlite / torch: below 1,
# ganlite is faster).
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
import bench_torch  # noqa: E402

RESNET = {"input_nc": 3, "output_nc": 3, "ngf": 64, "n_blocks": 9, "norm": "instance"}
PATCHGAN = {"input_nc": 3, "ndf": 64, "n_layers": 3, "norm": "batch"}
# name, G, G options, size, D, D options, inference batches, runs, warm-up
MODELS = [
    ("cyclegan_resnet9", "resnet_generator", RESNET, 256, "patchgan", PATCHGAN, [1, 16], 3, 1),
    ("mobile_student_ngf16", "mobile_resnet_generator", {**RESNET, "ngf": 16}, 256, "patchgan",
     PATCHGAN, [1, 16], 5, 1),
    ("pix2pix_unet256", "unet_generator",
     {"input_nc": 3, "output_nc": 3, "num_downs": 8, "ngf": 64, "norm": "batch"}, 256, "patchgan",
     PATCHGAN, [1, 16], 5, 1),
    ("dcgan64", "dcgan_generator", {"nz": 100, "ngf": 64, "output_nc": 3, "image_size": 64}, 64,
     "dcgan_discriminator", {"input_nc": 3, "ndf": 64, "image_size": 64}, [1, 16], 10, 2),
    ("sngan_cond32", "sngan_generator",
     {"z_dim": 128, "ch": 256, "output_nc": 3, "num_classes": 10}, 32, "", {}, [1, 16], 10, 2),
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
        raise SystemExit("usage: compare.sh cpu|cuda")
    ganlite = os.path.join(ROOT, "build", "bin", "ganlite")
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    rows, table = [], []
    for name, g, go, size, d, do, batches, runs, warmup in MODELS:
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [ganlite, "bench", "model", "--model", g, "--size", str(size), "--batch",
                   ",".join(map(str, batches)), "--runs", str(runs), "--warmup", str(warmup),
                   "--device", device, "--save", tmp, "--json"]
            for k, v in go.items():
                cmd += ["--set", f"{k}={v}"]
            if d:
                cmd += ["--train-with", d]  # D's defaults equal the options listed above
            ours = json.loads(subprocess.run(cmd, check=True, capture_output=True,
                                             text=True).stdout)
            theirs = bench_torch.bench(g, go, d, do, batches, runs, warmup, 1, tmp, device,
                                       ours["threads"])
        modes = [(f"infer_b{o['batch']}", o, t) for o, t in zip(ours["infer"], theirs["infer"])]
        if d:
            modes.append(("train_step", ours["train_step"], theirs["train_step"]))
        for mode, o, t in modes:
            r = {"model": name, "mode": mode, "ganlite_ms": round(o["median_ms"], 3),
                 "torch_ms": round(t["median_ms"], 3),
                 "ratio": round(o["median_ms"] / t["median_ms"], 3),
                 "max_abs_diff": theirs["max_abs_diff"]}
            rows.append(r)
            table.append(f"{name:22s} {mode:11s} {r['ganlite_ms']:11.2f} {r['torch_ms']:11.2f} "
                         f"{r['ratio']:7.3f} {r['max_abs_diff']:10.2e}")
            print(table[-1], flush=True)
        rows[-1]["macs_true"] = ours["macs_true"]
    result = {"date": datetime.date.today().isoformat(), "device": device,
              "cpu": cpu_name(), "threads": ours["threads"],
              "torch": torch.__version__, "torch_threads": torch.get_num_threads(),
              "commit": commit, "results": rows}
    out = os.path.join(ROOT, "benchmarks", "results", f"{result['date']}-{device}.json")
    with open(out, "w") as f:
        json.dump(result, f, indent=1)
    print(f"\n{'model':22s} {'mode':11s} {'ganlite ms':>11s} {'torch ms':>11s} {'ratio':>7s} "
          f"{'max|diff|':>10s}")
    print("\n".join(table))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
