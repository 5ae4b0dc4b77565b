#!/usr/bin/env bash
# The CPU-sized training runs behind docs/results/quality.md: each Fashion-MNIST example spec,
# shortened and narrowed with --set so that it trains in minutes on a 2-core machine, then
# `ganlite eval` (FD-FMNIST and friends, written to RUN/eval.json) and the last sample grid.
# Usage: scripts/quality_runs.sh [OUT_DIR [NAME...]] (default runs/quality, every run; names pick
# some). Needs build/bin/ganlite (or $GANLITE) and assets/fmnist_classifier.safetensors.
# THREADS=N trains with --threads N (default: all cores); results name the thread count.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${GANLITE:-build/bin/ganlite}
OUT=${1:-runs/quality}
shift || true
ONLY=" $* "
mkdir -p "$OUT"

run() {
  local name=$1
  shift
  [[ "$ONLY" == "  " || "$ONLY" == *" $name "* ]] || return 0
  rm -rf "${OUT:?}/$name"
  local t0=$SECONDS
  "$B" train "$@" --out "$OUT" --quiet ${THREADS:+--threads "$THREADS"}
  echo "$name: trained in $((SECONDS - t0)) s"
  "$B" eval "$OUT/$name" --num 2000
}

run sngan_cond_fmnist specs/sngan_cond_fmnist.json --set schedule.steps=2000 \
  --set schedule.decay_start=1000 --set model.G.options.ch=32 --set model.D.options.ndf=32 \
  --set data.batch_size=32 --set logging.sample_every=500 --set logging.checkpoint_every=0
run dcgan_fmnist specs/dcgan_fmnist.json --set schedule.epochs=0 --set schedule.steps=1500 \
  --set model.G.options.ngf=32 --set model.D.options.ndf=32 --set data.batch_size=64 \
  --set logging.sample_every=500 --set logging.checkpoint_every=0
run cyclegan_fmnist specs/cyclegan_fmnist.json --set schedule.epochs=0 --set schedule.steps=3000 \
  --set schedule.decay=constant --set logging.sample_every=1000 --set logging.checkpoint_every=0
run pix2pix_fmnist specs/pix2pix_fmnist.json --set schedule.epochs=0 --set schedule.steps=2000 \
  --set schedule.decay=constant --set logging.sample_every=1000 --set logging.checkpoint_every=0
# StyleGAN2's recipe (lazy R1, path length, EMA generator: specs/stylegan2_fmnist.json), and the
# same run without them, at equal steps.
SG2=(--set schedule.steps=2000 --set model.G.options.channel_max=64
  --set model.D.options.channel_max=64 --set model.G.options.z_dim=128
  --set model.G.options.w_dim=128 --set logging.sample_every=500 --set logging.checkpoint_every=500)
run stylegan2_fmnist specs/stylegan2_fmnist.json "${SG2[@]}"
run stylegan2_plain specs/stylegan2_fmnist.json "${SG2[@]}" --set name=stylegan2_plain \
  --set losses.r1_gamma=0 --set losses.pl_weight=0 --set ema.half_life_kimg=0
# WGAN-GP on the DCGAN pair (critic without batch norm), the dcgan_fmnist run's size and length.
run dcgan_wgangp_fmnist specs/dcgan_wgangp_fmnist.json --set schedule.epochs=0 \
  --set schedule.steps=1500 --set model.G.options.ngf=32 --set model.D.options.ndf=32 \
  --set logging.sample_every=500 --set logging.checkpoint_every=0
