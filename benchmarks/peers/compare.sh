#!/usr/bin/env bash
# ganlite against PyTorch, same models, weights and protocol:
#   benchmarks/peers/compare.sh cpu|cuda [NAME...]   (NAME: rows of compare.py, default all)
# CPU peer: Debian's python3-torch (/usr/bin/python3). GPU peer: the GPU machine's python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -x build/bin/ganlite ] || { echo "build first (scripts/test.sh or cmake --build build)" >&2; exit 2; }
PY=/usr/bin/python3
[ "${1:-cpu}" = cuda ] && PY=python3
export OMP_WAIT_POLICY=passive
exec "$PY" benchmarks/peers/compare.py "${1:-cpu}" "${@:2}"
