#!/usr/bin/env python3
"""The tables of docs/results/dgl.md from the runs of scripts/dgl_runs.sh: each run's report.json
(`ganlite report RUN --num 2000`) and the last metrics line (the teacher's verdict on the student,
g_loss_teacher, averaged over the last logging interval).

Usage: benchmarks/dgl_table.py [OUT_DIR] (default runs/dgl)
"""
import json
import os
import sys

WAYS = [("alone", "alone"), ("two_stage", "DGL, two stages"), ("from0", "DGL from step 0")]
SG2_WAYS = [("alone", "alone"), ("two_stage", "DGL, two stages")]


def load(run_dir):
    report = os.path.join(run_dir, "report.json")
    if not os.path.isfile(report):
        return None
    with open(report) as f:
        r = json.load(f)
    with open(os.path.join(run_dir, "metrics.jsonl")) as f:
        last = [json.loads(line) for line in f if line.strip()][-1]
    row = r["rows"][0]
    return {"row": row, "step": r["step"], "teacher": last.get("g_loss_teacher"),
            "seconds": r.get("train_seconds"), "floor": r["fd_fmnist_floor"]}


def pct(x):
    return "-" if x is None else f"{100 * x:.1f} %"


def mean(xs):
    return sum(xs) / len(xs)


def fmt_seeds(values, spec):
    per = " / ".join(spec.format(v) for v in values)
    return (spec.format(mean(values)) + " (" + per + ")") if len(values) > 1 else per


def student_table(out, chs, seeds):
    lines = ["| student | training | params | MACs (torchprofile) | CPU latency / image | "
             "FD-FMNIST mean (seeds) | KID-FMNIST mean | class accuracy mean (seeds) | "
             "teacher's G loss at the end |",
             "|---|---|---|---|---|---|---|---|---|"]
    for ch in chs:
        for way, label in WAYS:
            runs = [load(os.path.join(out, f"{way}_ch{ch}_s{s}")) for s in seeds]
            runs = [r for r in runs if r]
            if not runs:
                continue
            row = runs[0]["row"]
            fd = [r["row"]["fd_fmnist"] for r in runs]
            kid = [r["row"]["kid_fmnist"] for r in runs]
            acc = [100 * r["row"]["class_accuracy"] for r in runs]
            lat = sorted(r["row"]["latency_ms"] for r in runs)[len(runs) // 2]
            teacher = [r["teacher"] for r in runs if r["teacher"] is not None]
            lines.append(
                f"| ch {ch} | {label} | {row['params']:,} | {row['macs_torchprofile'] / 1e6:.2f} M"
                f" | {lat:.2f} ms | {fmt_seeds(fd, '{:.1f}')} | {mean(kid):.1f} | "
                f"{fmt_seeds(acc, '{:.1f}')} % | {fmt_seeds(teacher, '{:.2f}')} |")
    return lines


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "runs/dgl"
    seeds = sorted({int(n.rsplit("_s", 1)[1]) for n in os.listdir(out)
                    if "_ch" in n and n.rsplit("_s", 1)[-1].isdigit()})
    chs = sorted({int(n.split("_ch")[1].split("_")[0]) for n in os.listdir(out) if "_ch" in n},
                 reverse=True)
    t = load(os.path.join(out, "sngan_cond_fmnist_ch32"))
    if t:
        r = t["row"]
        print(f"Teacher sngan_cond_fmnist_ch32 (step {t['step']}): params {r['params']:,}, "
              f"MACs {r['macs_torchprofile'] / 1e6:.2f} M, latency {r['latency_ms']:.2f} ms, "
              f"FD-FMNIST {r['fd_fmnist']:.1f}, KID {r['kid_fmnist']:.1f}, class accuracy "
              f"{100 * r['class_accuracy']:.1f} %, floor {t['floor']:.2f}\n")
    print("\n".join(student_table(out, chs, seeds)))
    sg2 = [(label, load(os.path.join(out, f"sg2_{way}"))) for way, label in SG2_WAYS]
    if any(r for _, r in sg2):
        print("\n| StyleGAN2 student | params | MACs (torchprofile) | FD-FMNIST | KID-FMNIST | "
              "class accuracy | teacher's G loss at the end |\n|---|---|---|---|---|---|---|")
        for label, r in sg2:
            if r:
                row = r["row"]
                print(f"| {label} | {row['params']:,} | {row['macs_torchprofile'] / 1e6:.2f} M | "
                      f"{row['fd_fmnist']:.1f} | {row['kid_fmnist']:.1f} | "
                      f"{pct(row.get('class_accuracy'))} | {r['teacher']:.2f} |")


if __name__ == "__main__":
    main()
