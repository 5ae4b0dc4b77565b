#!/usr/bin/env python3
# Markdown tables from a bench_kernels CSV, for docs/results/gpu.md:
#   python3 benchmarks/kernels_table.py CSV [--layer NAME]...
# Per layer (default: the residual 3x3 256->256, the shape issue 4's targets are set on), one row
# per batch and pass: each version's median ms and % of cuDNN in its precision, cuDNN FP32 and
# TF32 ms; then, over all layers, the fastest correct version per (layer, batch, pass): the
# table the registry's automatic choice is to follow. The header line names the device, CUDA,
# cuDNN and commit of the CSV.
import argparse
import csv
import sys
from collections import defaultdict

VERSIONS = ["tf32_mma", "simt_tiled", "implicit_gemm", "im2col_gemm", "direct"]


def load(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        sys.exit(f"{path}: no rows")
    return rows


def layer_table(rows, layer):
    by = defaultdict(dict)  # (batch, pass) -> version -> row
    for r in rows:
        if r["layer"] == layer:
            by[(int(r["batch"]), r["pass"])][r["version"]] = r
    if not by:
        return f"(no rows for {layer})\n"
    present = [v for v in VERSIONS if any(v in d for d in by.values())]
    head = ["batch", "pass"] + [f"{v} ms (% cuDNN)" for v in present] + ["cuDNN FP32 ms",
                                                                          "cuDNN TF32 ms"]
    out = [f"**{layer}**", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for (batch, pas), d in sorted(by.items()):
        cells = [str(batch), pas]
        for v in present:
            r = d.get(v)
            cells.append(f"{float(r['ms']):.3f} ({r['pct_cudnn']})" if r else "–")
        for v in ("cudnn_fp32", "cudnn_tf32"):
            cells.append(f"{float(d[v]['ms']):.3f}" if v in d else "–")
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def fastest_table(rows):
    best = {}
    for r in rows:
        if r["version"].startswith("cudnn"):
            continue
        key = (r["layer"], int(r["batch"]), r["pass"], r["precision"])
        if key not in best or float(r["ms"]) < float(best[key]["ms"]):
            best[key] = r
    out = ["| layer | batch | pass | fastest FP32 version | ms | fastest TF32 version | ms |",
           "|---|---|---|---|---|---|---|"]
    keys = sorted({k[:3] for k in best})
    for layer, batch, pas in keys:
        f32 = best.get((layer, batch, pas, "fp32"))
        t32 = best.get((layer, batch, pas, "tf32"))
        out.append(f"| {layer} | {batch} | {pas} | {f32['version'] if f32 else '–'} | "
                   f"{f32['ms'] if f32 else '–'} | {t32['version'] if t32 else '–'} | "
                   f"{t32['ms'] if t32 else '–'} |")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("csv")
    ap.add_argument("--layer", action="append", help="layer name (repeatable)")
    a = ap.parse_args()
    rows = load(a.csv)
    r0 = rows[0]
    print(f"{r0['device']}, CUDA runtime {r0['cuda']}, cuDNN {r0['cudnn']}, commit {r0['commit']}\n")
    for layer in a.layer or ["cyclegan_res_3x3_256"]:
        print(layer_table(rows, layer))
    print(fastest_table(rows))


if __name__ == "__main__":
    main()
