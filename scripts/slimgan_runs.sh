#!/usr/bin/env bash
# docs/results/slimgan.md, the longer run: specs/slimgan_long.json (the demo's nets and
# hyper-parameters, 2000 steps) and, for each width, the same architecture trained alone for the
# same steps: the dense sngan_generator that `ganlite export --width W` produces (ch = 8, 16, 24,
# 32) against one sngan_discriminator shaped like a SlimGAN D branch (ndf 16), with the same loss,
# optimizers, batch, schedule and seed. Then `ganlite report` (SlimGAN) and `ganlite eval`
# (baselines) on 2000 samples each.
# Usage: scripts/slimgan_runs.sh [OUT_DIR] [all|slim|baselines] (defaults runs/slimgan, all);
# GANLITE=path picks the binary (default build/bin/ganlite); SEED=s (default 0) trains from
# another seed, the run names then ending in _s<s>; CHS="24 32" limits the baselines to those
# widths (default all four: ch 8 16 24 32).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/slimgan}
PART=${2:-all}
mkdir -p "$OUT"

source scripts/runs_lib.sh
train() {
  train_run "$@" --set "seed=$SEED"
}

if [ "$PART" = all ] || [ "$PART" = slim ]; then
  train "slimgan_long$SUFFIX" specs/slimgan_long.json
  "$B" report "$OUT/slimgan_long$SUFFIX" --num 2000
fi
if [ "$PART" = all ] || [ "$PART" = baselines ]; then
  for ch in ${CHS:-8 16 24 32}; do
    train "alone_ch$ch$SUFFIX" specs/sngan_cond_fmnist.json --set "model.G.options.ch=$ch" \
      --set model.D.options.ndf=16 --set data.batch_size=16 --set optim.G.lr=0.00025 \
      --set optim.D.lr=0.001 --set schedule.steps=2000 --set schedule.decay_start=1500 \
      --set logging.log_every=50 --set logging.sample_every=500 \
      --set logging.checkpoint_every=1000
    "$B" eval "$OUT/alone_ch$ch$SUFFIX" --num 2000
  done
fi
