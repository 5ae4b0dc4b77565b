#!/usr/bin/env bash
# docs/results/dgl.md: DGL-GAN on class-conditional SNGAN, Fashion-MNIST. A teacher at ch = ndf =
# 32 (specs/sngan_cond_fmnist.json narrowed to what one CPU core trains in ~25 min: batch 32,
# 4000 steps), then students at 1/2 and 1/4 of its channels (ch = ndf = 16, 8), each trained
# three ways from specs/dgl_sngan_fmnist.json with the same steps, batch and seed:
#   alone      stage1_steps = STEPS: the teacher weight stays 0 (plain training, bit for bit; the
#              teacher's verdict on the student is logged all the same)
#   two_stage  stage1_steps = STEPS/2, then alpha 0.1
#   from0      stage1_steps = 0: the teacher term from the first step
# and `ganlite report RUN --num 2000` on each (FD-FMNIST, class accuracy, params, MACs, latency).
# Part stylegan2 (not in all): a StyleGAN2 student at half the teacher's channels (channel_max
# 32), alone and two-stage, SG2_STEPS (default 1000) steps each, against the stylegan2_fmnist run
# of scripts/quality_runs.sh (channel_max 64; SG2_TEACHER, default OUT_DIR/stylegan2_fmnist).
# Usage: scripts/dgl_runs.sh [OUT_DIR] [teacher|students|all|stylegan2] (defaults runs/dgl, all);
# GANLITE=path picks the binary; SEEDS="0 1", CHS="16 8", WAYS="alone two_stage from0" and
# STEPS=3000 (the defaults) pick the student runs; THREADS (default 1) per run.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/dgl}
PART=${2:-all}
STEPS=${STEPS:-3000}
THREADS=${THREADS:-1}
TEACHER=sngan_cond_fmnist_ch32
mkdir -p "$OUT"

source scripts/runs_lib.sh
train() {
  train_run "$@"
  "$B" report "$OUT/$1" --num 2000 > /dev/null
}

if [ "$PART" = all ] || [ "$PART" = teacher ]; then
  train "$TEACHER" specs/sngan_cond_fmnist.json --set model.G.options.ch=32 \
    --set model.D.options.ndf=32 --set data.batch_size=32 --set schedule.steps=4000 \
    --set logging.checkpoint_every=1000 --set logging.sample_every=1000
fi
if [ "$PART" = all ] || [ "$PART" = students ]; then
  for seed in ${SEEDS:-0 1}; do
    for ch in ${CHS:-16 8}; do
      for way in ${WAYS:-alone two_stage from0}; do
        case $way in
          alone) stage1=$STEPS ;;
          two_stage) stage1=$((STEPS / 2)) ;;
          from0) stage1=0 ;;
          *) echo "unknown way $way" >&2 && exit 2 ;;
        esac
        train "${way}_ch${ch}_s$seed" specs/dgl_sngan_fmnist.json --set "seed=$seed" \
          --set "model.G.options.ch=$ch" --set "model.D.options.ndf=$ch" \
          --set data.batch_size=32 --set "schedule.steps=$STEPS" \
          --set "technique.params.teacher.run=$OUT/$TEACHER" \
          --set "technique.params.stage1_steps=$stage1" --set logging.checkpoint_every=1000 \
          --set logging.sample_every=1000
      done
    done
  done
fi
if [ "$PART" = stylegan2 ]; then
  SG2_STEPS=${SG2_STEPS:-1000}
  for way in ${WAYS:-alone two_stage}; do
    case $way in
      alone) stage1=$SG2_STEPS ;;
      two_stage) stage1=$((SG2_STEPS / 2)) ;;
      from0) stage1=0 ;;
      *) echo "unknown way $way" >&2 && exit 2 ;;
    esac
    train "sg2_${way}" specs/dgl_stylegan2_fmnist.json --set model.G.options.channel_max=32 \
      --set model.D.options.channel_max=32 --set model.G.options.z_dim=128 \
      --set model.G.options.w_dim=128 --set "schedule.steps=$SG2_STEPS" \
      --set "technique.params.teacher.run=${SG2_TEACHER:-$OUT/stylegan2_fmnist}" \
      --set "technique.params.stage1_steps=$stage1" --set logging.checkpoint_every=500 \
      --set logging.sample_every=500
  done
fi
