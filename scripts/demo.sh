#!/usr/bin/env bash
# The main job, as it stands: a CPU training smoke run on Fashion-MNIST that prints its falling
# loss. It grows into the compressed-GAN demo (train, then the MACs/latency/quality report).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
ensure_packages
build_ganlite --target smoke_train
./build/bin/smoke_train /usr/share/datasets/fashion-mnist "${1:-300}"
