# Sourced by scripts/test.sh and scripts/demo.sh: installs missing Debian packages (as root),
# configures and builds into build/. Set GANLITE_CMAKE_ARGS for extra CMake options
# (e.g. -DGANLITE_CUDA=OFF for a CPU-only build).

GANLITE_PACKAGES=(cmake ninja-build g++ catch2 nlohmann-json3-dev libstb-dev libopenblas-dev
                  zlib1g-dev dataset-fashion-mnist python3-matplotlib)

ensure_packages() {
  local missing=()
  for p in "${GANLITE_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages: ${missing[*]}" >&2
    echo "install them with: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

build_ganlite() {
  local jobs
  jobs=$(nproc)
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release ${GANLITE_CMAKE_ARGS:-} >/dev/null
  cmake --build build -j "$jobs" "$@"
}
