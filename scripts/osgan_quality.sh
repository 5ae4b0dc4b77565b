#!/usr/bin/env bash
# docs/results/osgan.md: a DCGAN (GroupNorm D) trained two-stage and one-stage (OSGAN) for the same
# wall-clock time on Fashion-MNIST (side by side, one thread each), then FD-FMNIST of each; then
# the step-time benchmark.
# Usage: scripts/osgan_quality.sh [SECONDS] [OUT_DIR] (defaults 240, runs/osgan); GANLITE=path
# picks the binary (default build/bin/ganlite).
set -euo pipefail
cd "$(dirname "$0")/.."
B=${GANLITE:-build/bin/ganlite}
T=${1:-240}
OUT=${2:-runs/osgan}
mkdir -p "$OUT"
common=(--set model.G.options.ngf=32 --set model.D.options.ndf=32 --set logging.sample_every=0
        --set logging.checkpoint_every=0 --set logging.log_every=50 --time-limit "$T" --out "$OUT"
        --quiet)
# The two variants train at the same time, one thread each, so that both see the same machine:
# run one after the other, they were timed on a host whose speed drifted between the runs.
for variant in two_stage one_stage; do
  rm -rf "${OUT:?}/osgan_$variant"
  tech=()
  [ "$variant" = two_stage ] && tech=(--set technique.name=null)
  OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "$B" train specs/osgan_dcgan_fmnist.json \
    --set "name=osgan_$variant" "${tech[@]}" "${common[@]}" &
done
wait
for variant in two_stage one_stage; do
  echo "osgan_$variant: $(tail -1 "$OUT/osgan_$variant/metrics.jsonl")"
  "$B" eval "$OUT/osgan_$variant" --num 2000
done
"$B" bench osgan specs/osgan_dcgan_fmnist.json --steps 20 --set model.G.options.ngf=32 \
  --set model.D.options.ndf=32
