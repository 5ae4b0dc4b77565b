#!/usr/bin/env bash
# The main job: train a compressed GAN on Fashion-MNIST from the default spec (specs/demo.json: a
# class-conditional SlimGAN, one generator at widths 0.25/0.5/0.75/1, ~4 minutes on 2 CPU cores),
# then print its report: per width params, MACs, CPU latency per image, FD-FMNIST, KID-FMNIST,
# class accuracy of its samples, consistency between widths, and the sample grid's path. The same
# table lands in runs/demo/report.json. Extra arguments go to `ganlite train` (e.g.
# --set schedule.steps=2000 for a longer run).
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
./build/bin/ganlite train specs/demo.json --out runs "$@"
./build/bin/ganlite report runs/demo --num 1000
echo "demo finished in $((SECONDS - start)) s (training and report; the build not counted)"
