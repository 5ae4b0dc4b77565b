#!/usr/bin/python3
"""Loss curves of a ganlite run: metrics.jsonl -> a PNG with one panel per group of scalars.

Usage: plot_metrics.py METRICS.jsonl OUT.png [TITLE]
Needs Debian's python3-matplotlib. Called by `ganlite plot RUN_DIR`.
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

SKIP = {"step", "epoch", "time_s", "it_per_s"}


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
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
        keys += [k for k in r if k not in SKIP and k not in keys]
    # Learning rates in their own panel: their scale has nothing to do with the losses'.
    groups = [[k for k in keys if not k.startswith("lr_")], [k for k in keys if k.startswith("lr_")]]
    groups = [g for g in groups if g]
    fig, axes = plt.subplots(len(groups), 1, figsize=(9, 3.2 * len(groups)), sharex=True, squeeze=False)
    for ax, group in zip(axes[:, 0], groups):
        for k in group:
            pts = [(r["step"], r[k]) for r in rows if k in r]
            ax.plot([p[0] for p in pts], [p[1] for p in pts], label=k, linewidth=1)
        ax.legend(loc="upper right", fontsize=8, ncol=min(4, len(group)))
        ax.grid(alpha=0.3)
    axes[-1, 0].set_xlabel("step")
    if len(sys.argv) > 3:
        axes[0, 0].set_title(sys.argv[3])
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=100)


if __name__ == "__main__":
    main()
