#!/usr/bin/env bash
# GPU verification on a lent GPU machine that reaches no package registry:
#   scripts/gpu_check.sh OUTDIR [--no-bench] [--no-anchors] [--cpu-suite]
# Unpacks debs/ (fetched beforehand by scripts/fetch_debs.sh) with `dpkg -x` into a prefix folder
# (never into /), builds into build-gpu/, runs every CUDA test binary (bin/test_cuda*) plainly and
# under compute-sanitizer (memcheck; racecheck and synccheck on test_cuda), then the benchmarks
# (PyTorch/cuDNN anchors, bench_cuda_ops, bench_kernels against cuDNN). Logs and CSVs go to OUTDIR; the summary is
# printed last. Environment: SANITIZE=0 skips the compute-sanitizer runs, SANITIZER_TIMEOUT (s,
# default 300) limits each. Exit status: the number of failed steps. The device tool returns at most 8 files,
# so a run there writes OUTDIR outside $OUT and tars it: gpu_check.sh /tmp/gc; tar czf $OUT/gc.tgz -C /tmp gc
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${1:?usage: scripts/gpu_check.sh OUTDIR [--no-bench] [--no-anchors] [--cpu-suite]}
shift
BENCH=1 ANCHORS=1 CPU_SUITE=0
for a in "$@"; do
  case $a in
    --no-bench) BENCH=0 ;;
    --no-anchors) ANCHORS=0 ;;
    --cpu-suite) CPU_SUITE=1 ;;
    *) echo "unknown option $a" >&2; exit 2 ;;
  esac
done
mkdir -p "$OUT"
BUILD=build-gpu
PREFIX=$PWD/$BUILD/prefix
SUMMARY=()
FAILED=0
step() {  # step NAME LOG CMD...: runs CMD with output in OUT/LOG, records pass/fail
  local name=$1 log=$2
  shift 2
  local t0=$SECONDS
  if "$@" >"$OUT/$log" 2>&1; then
    SUMMARY+=("PASS  $name ($((SECONDS - t0)) s, $log)")
  else
    local rc=$?
    SUMMARY+=("FAIL  $name: exit $rc ($((SECONDS - t0)) s, $log)")
    FAILED=$((FAILED + 1))
    tail -20 "$OUT/$log"
  fi
}

[ -d debs ] && ls debs/*.deb >/dev/null 2>&1 || { echo "debs/ is empty: run scripts/fetch_debs.sh first" >&2; exit 2; }
mkdir -p "$PREFIX"
for f in debs/*.deb; do dpkg -x "$f" "$PREFIX"; done
LIB=$PREFIX/usr/lib/x86_64-linux-gnu
export LD_LIBRARY_PATH=$LIB/openblas-pthread:$LIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export OMP_WAIT_POLICY=passive

{
  date -u +"%Y-%m-%d %H:%M UTC"
  git rev-parse --short HEAD 2>/dev/null || echo "commit unknown"
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv
  nvcc --version | tail -1
  compute-sanitizer --version | head -2
} >"$OUT/env.txt" 2>&1
cat "$OUT/env.txt"

# cuDNN for bench_kernels' baseline rows: the system's if CMake finds one, else the nvidia-cudnn
# wheel that the machine's PyTorch brings.
CUDNN_ROOT=${CUDNN_ROOT:-$(python3 -c 'import nvidia.cudnn as m; print(list(m.__path__)[0])' \
  2>/dev/null || true)}
step configure configure.log cmake -S . -B $BUILD -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$PREFIX/usr" -DCMAKE_CUDA_ARCHITECTURES=90 \
  ${CUDNN_ROOT:+-DCUDNN_ROOT=$CUDNN_ROOT}
[ -n "$CUDNN_ROOT" ] && export LD_LIBRARY_PATH=$CUDNN_ROOT/lib:$LD_LIBRARY_PATH
step build build.log cmake --build $BUILD -j "$(nproc)"
grep -h "registers\|spill\|smem" "$OUT/build.log" >"$OUT/ptxas.txt" 2>/dev/null || true

for t in $BUILD/bin/test_cuda*; do
  [ -x "$t" ] || continue
  n=$(basename "$t")
  step "$n" "$n.log" "$t"
  [ "${SANITIZE:-1}" = 1 ] || continue
  # Instrumented runs are 10-100x slower; a time limit keeps a lease from being spent on one.
  step "$n memcheck" "$n.memcheck.log" timeout "${SANITIZER_TIMEOUT:-300}" compute-sanitizer \
    --tool memcheck --error-exitcode 1 --leak-check full "$t"
done
if [ -x $BUILD/bin/test_cuda ] && [ "${SANITIZE:-1}" = 1 ]; then
  for tool in racecheck synccheck; do
    step "test_cuda $tool" "test_cuda.$tool.log" timeout "${SANITIZER_TIMEOUT:-300}" \
      compute-sanitizer --tool $tool --error-exitcode 1 $BUILD/bin/test_cuda "[shared]"
  done
fi
if [ $CPU_SUITE = 1 ]; then
  step "ctest (whole suite)" ctest.log ctest --test-dir $BUILD -j "$(nproc)" --output-on-failure
fi
if [ $BENCH = 1 ]; then
  if [ $ANCHORS = 1 ]; then
    step "torch anchors" torch_anchors.log python3 benchmarks/torch_anchors.py --csv "$OUT/torch_anchors.csv"
  fi
  if [ -x $BUILD/bin/bench_cuda_ops ]; then
    step bench_cuda_ops bench_cuda_ops.log $BUILD/bin/bench_cuda_ops --csv "$OUT/bench_cuda_ops.csv"
  fi
  if [ -x $BUILD/bin/bench_kernels ]; then
    step bench_kernels bench_kernels.log $BUILD/bin/bench_kernels --csv "$OUT/bench_kernels.csv"
    step "bench_kernels tables" bench_kernels.md python3 benchmarks/kernels_table.py \
      "$OUT/bench_kernels.csv"
  fi
fi

echo
echo "== gpu_check summary ($(head -1 "$OUT/env.txt"))"
printf '%s\n' "${SUMMARY[@]}" | tee "$OUT/summary.txt"
exit $FAILED
