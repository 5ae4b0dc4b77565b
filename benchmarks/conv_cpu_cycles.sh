#!/usr/bin/env bash
# Cycles per conv2d forward and backward: ganlite (default AVX2 forward, and GANLITE_CONV_CPU=blas)
# and PyTorch CPU,
# counted with `perf stat -e cycles:u` (user-mode cycles of all threads). On a shared VM the clock
# and the neighbours change wall times by +-20 % between runs; cycle counts move far less, so they
# decide between paths whose times differ by ~10 %. Each figure is the difference between a run
# of R1 and one of R0 iterations, divided by R1 - R0, so start-up, allocation and the one-off
# correctness check cancel. An iteration of the full benchmark is a no-grad forward, a recorded
# forward and the backward (input, weight and bias gradients), so backward = full - 2 * forward.
# Usage: benchmarks/conv_cpu_cycles.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
BUILD_DIR="${BUILD_DIR:-build}"
PYTHON="${PYTHON:-/usr/bin/python3}"
ROUNDS="${1:-3}"
R0=2
R1=22
command -v perf >/dev/null || { echo "perf not found (Debian: linux-perf)" >&2; exit 1; }
[[ -f "$BUILD_DIR/build.ninja" ]] || cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$BUILD_DIR" bench_conv_cpu >/dev/null

cycles() {  # cycles:u of one command, in units of 1e6
  perf stat -x, -e cycles:u "$@" 2>&1 >/dev/null | awk -F, '/cycles/ {printf "%.1f", $1 / 1e6}'
}
per_iter() {  # Mcycles per iteration: (cycles(R1) - cycles(R0)) / (R1 - R0)
  local a b
  a=$(cycles "$@" --reps "$R0" --warmup 0)
  b=$(cycles "$@" --reps "$R1" --warmup 0)
  awk -v a="$a" -v b="$b" -v n=$((R1 - R0)) 'BEGIN {printf "%.0f", (b - a) / n}'
}

echo "conv2d f32, Mcycles (user mode, all $OMP_NUM_THREADS threads) per call"
echo "| round | layer | fwd avx2 | fwd blas | fwd torch | avx2/torch | blas/torch | bwd ours | bwd torch | ours/torch |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for round in $(seq "$ROUNDS"); do
  for layer in cyclegan dcgan; do
    ours=("$BUILD_DIR/bin/bench_conv_cpu" --layer "$layer")
    torch=("$PYTHON" benchmarks/torch_conv_cpu.py --layer "$layer")
    a=$(per_iter "${ours[@]}" --fwd-only)
    b=$(GANLITE_CONV_CPU=blas per_iter "${ours[@]}" --fwd-only)
    t=$(per_iter "${torch[@]}" --fwd-only)
    oi=$(per_iter "${ours[@]}" --no-gemm)
    ti=$(per_iter "${torch[@]}")
    awk -v r="$round" -v l="$layer" -v a="$a" -v b="$b" -v t="$t" -v oi="$oi" -v ti="$ti" 'BEGIN {
      ob = oi - 2 * a; tb = ti - 2 * t
      printf "| %s | %s | %s | %s | %s | %.2f | %.2f | %.0f | %.0f | %.2f |\n",
             r, l, a, b, t, a / t, b / t, ob, tb, ob / tb }'
  done
done
