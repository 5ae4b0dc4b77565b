#!/usr/bin/env bash
# The main job: a compressed GAN on Fashion-MNIST, a class-conditional SlimGAN (one generator at
# widths 0.25/0.5/0.75/1), in two parts, each printed with its report (per width: params, MACs,
# CPU latency per image, FD-FMNIST, KID-FMNIST, class accuracy of its samples, consistency
# between widths, the sample grid's path):
#  1. trained live: the default spec (specs/demo.json) from scratch for 300 steps (~2.5 minutes on
#     2 CPU cores): the pipeline end to end; classes do not appear in 300 steps.
#  2. shipped: assets/slimgan_fmnist.safetensors, the same kind of model trained for longer
#     (specs/slimgan_fmnist.json; command and figures in docs/results/slimgan.md).
# Tables land in runs/demo/report.json and runs/demo/shipped/report.json. Extra arguments go to
# `ganlite train` (e.g. --set schedule.steps=2000 for a longer live run).
# benchmarks/demo_check.py runs this script and checks its thresholds.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
ensure_packages
build_ganlite --target ganlite
# A previous demo run is kept aside, never overwritten.
if [ -e runs/demo ]; then
  keep="runs/demo.$(date +%Y%m%d-%H%M%S)"
  mv runs/demo "$keep"
  echo "previous demo run moved to $keep"
fi
start=$SECONDS
echo "== 1/2 trained live: specs/demo.json from scratch, 300 steps =="
./build/bin/ganlite train specs/demo.json --out runs "$@"
./build/bin/ganlite report runs/demo --num 1000
echo
echo "== 2/2 shipped: assets/slimgan_fmnist.safetensors (how it was trained: docs/results/slimgan.md) =="
./build/bin/ganlite report assets/slimgan_fmnist.safetensors --out runs/demo/shipped --num 1000
echo "demo finished in $((SECONDS - start)) s (training and both reports; the build not counted)"
