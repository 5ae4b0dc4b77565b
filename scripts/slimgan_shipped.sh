#!/usr/bin/env bash
# How assets/slimgan_fmnist.safetensors, the SlimGAN the demo reports beside its live run, was
# trained (figures: docs/results/slimgan.md), in two stages:
#  1. specs/slimgan_fmnist.json (batch 32, D branches ndf 32, lr constant until its step 7500)
#     stopped after 3000 steps, on one thread (~75 min on an idle core of the 2-vCPU machine);
#  2. a new run starting G and D from that step's checkpoint (init_from), 1000 steps with the
#     learning rates decaying linearly to 0 from step 300 and an EMA generator (half-life 5 kimg),
#     which is what the export keeps; on two threads (~15 min).
# Usage: scripts/slimgan_shipped.sh [OUT_DIR] (default runs/shipped); GANLITE=path picks the binary.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${GANLITE:-build/bin/ganlite}
OUT=${1:-runs/shipped}
mkdir -p "$OUT"
stage1="$OUT/slimgan_fmnist"
"$B" train specs/slimgan_fmnist.json --threads 1 --out "$OUT" --stop-after 3000 --quiet
ref() { echo "{\"run\": \"$stage1\", \"net\": \"$1\", \"step\": 3000}"; }
"$B" train specs/slimgan_fmnist.json --threads 2 --out "$OUT" --quiet \
  --set name=slimgan_fmnist_ft --set schedule.steps=1000 --set schedule.decay_start=300 \
  --set ema.half_life_kimg=5 --set logging.checkpoint_every=500 --set logging.sample_every=500 \
  --set "model.G.init_from=$(ref G)" --set "model.D.init_from=$(ref D)"
"$B" export "$OUT/slimgan_fmnist_ft" --output "$OUT/slimgan_fmnist.safetensors"
"$B" report "$OUT/slimgan_fmnist.safetensors" --out "$OUT/report" --num 2000
