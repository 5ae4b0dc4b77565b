#!/usr/bin/python3
"""The tables and grids of docs/results/crd.md from the runs of scripts/crd_runs.sh.

Per task (CycleGAN sneaker -> ankle boot, pix2pix edges -> item): the teacher G of the CRD run
(CycleGAN: also teacher_best, the one the students learned), its CRD student, the L1-distilled
student trained beside it, and the student network trained alone. Each gets `ganlite eval --net NET --num NUM` (test split), params and MACs
and the CPU latency per image from `ganlite bench model RUN --net NET --batch 1` (the rows taken
in turn, ROUNDS rounds, the median of the rounds' medians: run it on an idle machine), and a row
of the grid from `ganlite infer --net NET --test 8`.

Usage: benchmarks/crd_table.py [OUT_DIR] (default runs/crd); GANLITE=path picks the binary,
NUM (default 1000) the test images, ROUNDS (default 3) the latency rounds, TASKS (default
"cyclegan pix2pix") the tasks, SEEDS (default "0") the seeds whose runs are averaged (a seed s > 0
names runs <run>_s<s>, as scripts/crd_runs.sh trains them; latency and grids from the first). Writes
OUT_DIR/crd_table.md and docs/results/img/crd_{cyclegan,pix2pix}.png.
"""
import json
import os
import statistics
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.image as mpimg  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
B = os.environ.get("GANLITE", os.path.join(ROOT, "build/bin/ganlite"))
NUM = int(os.environ.get("NUM", "1000"))
ROUNDS = int(os.environ.get("ROUNDS", "3"))
SEEDS = [int(x) for x in os.environ.get("SEEDS", "0").split()]
GRID = 8


def rows_of(task):
    crd, alone = f"crd_{task}", f"alone_{task}"
    # CycleGAN's students learn the best teacher so far (teacher_best), pix2pix's the online one.
    teachers = ([("teacher, final", crd, "G"), ("teacher, best (distilled)", crd, "teacher_best")]
                if task == "cyclegan" else [("teacher", crd, "G")])
    rows = teachers + [("CRD student", crd, "student"),
                       ("L1-distilled student", crd, "student_l1"), ("student alone", alone, "G")]
    if task == "cyclegan":
        rows.append(("student alone, the teacher's steps", f"{alone}_t", "G"))
    return rows


def ganlite(*args):
    return subprocess.run([B, *args], check=True, capture_output=True, text=True).stdout


def last_metrics(run):
    with open(os.path.join(run, "metrics.jsonl")) as f:
        return [json.loads(line) for line in f if line.strip()]


def seeded(run, seed):
    return run if seed == 0 else f"{run}_s{seed}"


def measure(out, task):
    rows = []
    for label, run, net in rows_of(task):
        evs = [json.loads(ganlite("eval", os.path.join(out, seeded(run, s)), "--net", net,
                                  "--num", str(NUM), "--json")) for s in SEEDS]
        rows.append({"label": label, "run": run, "net": net, "path": os.path.join(out, run),
                     "evals": evs, "lat": []})
    for _ in range(ROUNDS):  # the variants in turn, so that drift hits them alike
        for r in rows:
            b = json.loads(ganlite("bench", "model", r["path"], "--net", r["net"], "--batch", "1",
                                   "--runs", "20", "--json"))
            r["lat"].append(b["infer"][0]["median_ms"])
            r["bench"] = b
    return rows


def grid(out, task, rows):
    images = []
    for r in rows:
        d = os.path.join(out, "grids", f"{task}_{r['net']}_{r['run']}")
        ganlite("infer", r["path"], "--net", r["net"], "--test", str(GRID), "--output", d)
        images.append((r["label"], [os.path.join(d, f"test_{i:04d}.png") for i in range(GRID)]))
        if r is rows[0]:
            inputs = [os.path.join(d, "images", f"test_{i:04d}_input.png") for i in range(GRID)]
            target = [os.path.join(d, "images", f"test_{i:04d}_target.png") for i in range(GRID)]
    images.insert(0, ("input", inputs))
    if task == "pix2pix":
        images.append(("target", target))
    fig, axes = plt.subplots(len(images), GRID, figsize=(GRID * 0.9, len(images) * 0.95))
    for i, (label, files) in enumerate(images):
        for j, f in enumerate(files):
            ax = axes[i][j]
            ax.imshow(mpimg.imread(f), cmap="gray", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[i][0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
    fig.subplots_adjust(left=0.2, wspace=0.05, hspace=0.05)
    path = os.path.join(ROOT, "docs/results/img", f"crd_{task}.png")
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return os.path.relpath(path, ROOT)


def seed_values(values, three):
    f = (lambda v: f"{v:.3f}") if three else (lambda v: f"{v:.1f}")
    if len(values) == 1:
        return f(values[0])
    return f(statistics.mean(values)) + " (" + " / ".join(f(v) for v in values) + ")"


def table(task, rows):
    quality = (["FD-FMNIST A→B", "SWD×10³ A→B"] if task == "cyclegan" else
               ["FD-FMNIST", "L1", "PSNR (dB)", "SSIM"])
    keys = (["fd_fmnist_AtoB", "swd_AtoB"] if task == "cyclegan" else
            ["fd_fmnist", "l1", "psnr", "ssim"])
    lines = ["| generator | network | params | MACs (torchprofile) | CPU latency / image | " +
             " | ".join(quality) + " |", "|---|---|---|---|---|" + "---|" * len(quality)]
    for r in rows:
        b = r["bench"]
        opts = b["options"]
        net = f"{b['model']} ngf {opts['ngf']}, {opts.get('n_blocks', opts.get('num_downs'))}"
        vals = " | ".join(seed_values([e[k] for e in r["evals"]], k in ("l1", "ssim"))
                          for k in keys)
        lines.append(f"| {r['label']} | {net} | {b['params']:,} | "
                     f"{b['macs_torchprofile'] / 1e6:.2f} M | "
                     f"{statistics.median(r['lat']):.3f} ms | {vals} |")
    return lines


def training_notes(out, task):
    notes = []
    for seed in SEEDS:
        m = last_metrics(os.path.join(out, seeded(f"crd_{task}", seed)))
        note = f"seed {seed}: crd_{task} {m[-1]['step']} steps in {m[-1]['time_s']:.0f} s"
        best = [x for x in m if "teacher_best_fd_fmnist" in x]
        if best:
            note += ("; teacher selection FD-FMNIST (training images) per cycle " +
                     ", ".join(f"{x['teacher_fd_fmnist']:.1f}" for x in best) +
                     f", the best ({best[-1]['teacher_best_fd_fmnist']:.1f}) distilled")
        a = last_metrics(os.path.join(out, seeded(f"alone_{task}", seed)))
        notes.append(note + f"; alone_{task} {a[-1]['step']} steps in {a[-1]['time_s']:.0f} s")
    return notes


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "runs/crd"
    md = []
    for task in os.environ.get("TASKS", "cyclegan pix2pix").split():
        rows = measure(out, task)
        threads = rows[0]["bench"]["threads"]
        md += [f"### {task}", ""] + table(task, rows) + [""]
        md += [f"Latency: batch 1, {threads} threads, median of {ROUNDS} rounds of 20 runs; "
               f"quality on {NUM} test images, mean over seeds {SEEDS} (each in brackets).", ""]
        md += ["- " + n for n in training_notes(out, task)]
        md += ["", f"![{task} grid]({grid(out, task, rows)})", ""]
    text = "\n".join(md)
    with open(os.path.join(out, "crd_table.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
