#!/usr/bin/python3
"""Loss curves of a ganlite run: metrics.jsonl -> a PNG with one panel per group of scalars
(D losses, D's logits, G losses, cycle and identity terms, distillation, a technique's other
terms, accuracy, learning rates), each curve drawn raw (faint) and smoothed (an exponential
moving average, as TensorBoard's slider does).

Usage: plot_metrics.py METRICS.jsonl OUT.png [TITLE] [SMOOTHING]
SMOOTHING in [0, 1): the moving average's weight on the past (default 0.8; 0 = raw only).
Needs Debian's python3-matplotlib. Called by `ganlite plot RUN_DIR [--smooth S]`.
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

SKIP = {"step", "epoch", "time_s", "it_per_s"}
# (group title, test on the key without a "<network>_" prefix such as "teacher_"), in panel order.
GROUPS = [
    ("D loss", lambda k: k.startswith("d_") and k not in ("d_real", "d_fake")),
    ("D logits (mean)", lambda k: k in ("d_real", "d_fake")),
    ("G loss", lambda k: k.startswith("g_")),
    ("cycle / identity", lambda k: k.startswith("cycle") or k.startswith("idt")),
    ("distillation", lambda k: k.startswith("distill") or "distill" in k),
    ("classifier", lambda k: k in ("loss", "accuracy")),
    ("learning rate", lambda k: k.startswith("lr_")),
]
PREFIXES = ("teacher_", "student_")


def group_of(key):
    prefix = next((p for p in PREFIXES if key.startswith(p)), "")
    bare = key[len(prefix):]
    for title, test in GROUPS:
        if test(bare):
            return prefix.rstrip("_") + ": " + title if prefix else title
    return "other terms"


def smoothed(values, weight):
    out, last = [], None
    for v in values:
        last = v if last is None else weight * last + (1 - weight) * v
        out.append(last)
    return out


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    weight = float(sys.argv[4]) if len(sys.argv) > 4 else 0.8
    if not 0 <= weight < 1:
        sys.exit(f"smoothing {weight}: expected a number in [0, 1)")
    rows = []
    with open(sys.argv[1]) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                sys.exit(f"{sys.argv[1]}:{n}: not JSON ({e})")
    if not rows:
        sys.exit(f"{sys.argv[1]}: no metrics lines yet")
    keys = []
    for r in rows:
        keys += [k for k in r if k not in SKIP and k not in keys and
                 isinstance(r[k], (int, float)) and not isinstance(r[k], bool)]
    order = [t for t, _ in GROUPS]
    groups = {}
    for k in keys:
        groups.setdefault(group_of(k), []).append(k)
    titles = sorted(groups, key=lambda t: (order.index(t.split(": ")[-1])
                                           if t.split(": ")[-1] in order else len(order), t))
    fig, axes = plt.subplots(len(titles), 1, figsize=(9, 2.8 * len(titles)), sharex=True,
                             squeeze=False)
    for ax, title in zip(axes[:, 0], titles):
        for i, k in enumerate(groups[title]):
            pts = [(r["step"], r[k]) for r in rows if k in r]
            xs, ys = [p[0] for p in pts], [p[1] for p in pts]
            color = f"C{i % 10}"
            if weight > 0 and not title.endswith("learning rate"):  # a schedule: exact values
                ax.plot(xs, ys, color=color, alpha=0.25, linewidth=0.8)
                ax.plot(xs, smoothed(ys, weight), color=color, label=k, linewidth=1.3)
            else:
                ax.plot(xs, ys, color=color, label=k, linewidth=1)
        ax.set_title(title, fontsize=9, loc="left")
        ax.legend(loc="upper right", fontsize=7, ncol=min(4, len(groups[title])))
        ax.grid(alpha=0.3)
    axes[-1, 0].set_xlabel("step")
    if len(sys.argv) > 3:
        fig.suptitle(sys.argv[3] + (f"  (smoothing {weight})" if weight > 0 else ""))
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=100)


if __name__ == "__main__":
    main()
