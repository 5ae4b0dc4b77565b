#!/usr/bin/env bash
# Fetches the Debian packages that a build needs beyond a CUDA image (headers, OpenBLAS, Catch2)
# into debs/ (git-ignored), for a GPU machine that reaches no package registry. There,
# scripts/gpu_check.sh unpacks them with `dpkg -x` into a prefix folder, never into /.
set -euo pipefail
cd "$(dirname "$0")/.."
PACKAGES=(catch2 nlohmann-json3-dev libstb-dev libstb0 libopenblas-dev libopenblas0
          libopenblas0-pthread libopenblas-pthread-dev libgfortran5 zlib1g-dev)
mkdir -p debs
# apt-get download writes into the current folder; the _apt sandbox user may not write there.
(cd debs && apt-get download -o APT::Sandbox::User=root "${PACKAGES[@]}")
ls -l debs
