#!/usr/bin/env bash
# CPU conv2d: ganlite (benchmarks/bench_conv_cpu.cpp) against PyTorch CPU
# (benchmarks/torch_conv_cpu.py) on the same layers. The two run interleaved, ours, torch, ours,
# torch, so that both see the same load on a shared machine; the table keeps, per layer and
# column, the best of the two medians. Usage: benchmarks/conv_cpu.sh [--reps N]
# Environment: OMP_NUM_THREADS (default 2), BUILD_DIR (default build), PYTHON (/usr/bin/python3).
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
BUILD_DIR="${BUILD_DIR:-build}"
PYTHON="${PYTHON:-/usr/bin/python3}"  # Debian's python3-torch lives there
REPS=10
if [[ "${1:-}" == "--reps" ]]; then REPS="$2"; fi

if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
ninja -C "$BUILD_DIR" bench_conv_cpu >/dev/null

out=$(mktemp)
trap 'rm -f "$out"' EXIT
for round in 1 2; do
  "$BUILD_DIR/bin/bench_conv_cpu" --reps "$REPS" --json | sed 's/^/ours /' >>"$out"
  "$PYTHON" benchmarks/torch_conv_cpu.py --reps "$REPS" --json | sed 's/^/torch /' >>"$out"
done

echo "conv2d f32, $OMP_NUM_THREADS threads, median of $REPS per run, best of 2 interleaved runs"
"$PYTHON" - "$out" <<'EOF'
import json, sys
best = {}
for line in open(sys.argv[1]):
    who, row = line.split(" ", 1)
    row = json.loads(row)
    for key in ("fwd_ms", "bwd_ms"):
        k = (row["layer"], who, key)
        best[k] = min(best.get(k, float("inf")), row[key])
layers = sorted({k[0] for k in best}, key=lambda l: ["cyclegan", "dcgan"].index(l)
                if l in ("cyclegan", "dcgan") else 9)
flops = {"cyclegan": 2.0 * 1 * 256 * 64 * 64 * 256 * 9, "dcgan": 2.0 * 64 * 128 * 16 * 16 * 64 * 16}
print(f"| layer | ours fwd ms | torch fwd ms | torch/ours | ours bwd ms | torch bwd ms | torch/ours "
      f"| ours fwd GFLOP/s | ours bwd GFLOP/s |")
print("|---|---|---|---|---|---|---|---|---|")
for l in layers:
    of, tf = best[(l, "ours", "fwd_ms")], best[(l, "torch", "fwd_ms")]
    ob, tb = best[(l, "ours", "bwd_ms")], best[(l, "torch", "bwd_ms")]
    gf = f"{flops[l] / of * 1e-6:.0f}" if l in flops else "-"
    gb = f"{2 * flops[l] / ob * 1e-6:.0f}" if l in flops else "-"
    print(f"| {l} | {of:.1f} | {tf:.1f} | {tf / of:.2f} | {ob:.1f} | {tb:.1f} | {tb / ob:.2f} "
          f"| {gf} | {gb} |")
print("\nraw runs (JSON, in run order):")
for line in open(sys.argv[1]):
    print("  " + line.rstrip())
EOF
