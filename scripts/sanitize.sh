#!/usr/bin/env bash
# The I/O and CLI error tests under AddressSanitizer and UndefinedBehaviorSanitizer: a CPU-only
# build in build-sanitize/ (-DGANLITE_SANITIZE=ON), then the test cases that read and write
# files (safetensors, images, run directories, specs, checkpoints, the CLI's weights path) and the
# careless-command script. Any sanitizer report fails the run. CI runs it after scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
ensure_packages
cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGANLITE_CUDA=OFF \
  -DGANLITE_SANITIZE=ON >/dev/null
cmake --build build-sanitize -j "$(nproc)" --target test_engine ganlite
# Leaks are not checked: the host allocator's pool is kept on purpose for static teardown.
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=0:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export OMP_WAIT_POLICY=passive GANLITE_SANITIZED=1
build-sanitize/bin/test_engine "[safetensors],[data],[errors],[rundir],[cli],[spec],[platform],[sha256],[idx]"
sh tests/cli_bad_input.sh build-sanitize/bin/ganlite specs build-sanitize/cli_bad_input
echo "sanitizers: clean"
