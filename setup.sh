#!/usr/bin/env bash
# setup.sh — everything a fresh Debian 12 machine (as root) needs: installs the missing Debian
# packages, configures and builds mcseg into build/. Safe to run again: it only installs what is
# missing and rebuilds what changed. Environment: MCSEG_BUILD_DIR (default build),
# MCSEG_CMAKE_ARGS (extra cmake arguments, e.g. "-DMCSEG_CUDA=OFF").
set -euo pipefail
cd "$(dirname "$0")"

# clang, libclang-rt-14-dev (libFuzzer, the sanitizer runtimes) and libomp-dev (clang's OpenMP):
# the fuzz build of tests/sanitize.sh.
packages=(cmake g++ make pkg-config libstb-dev nlohmann-json3-dev doctest-dev libsqlite3-dev
          libdcmtk-dev libpng-dev zlib1g-dev python3 python3-torch python3-numpy
          clang libclang-rt-14-dev libomp-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# nvcc lives outside PATH in the CUDA toolkit's default location.
if ! command -v nvcc >/dev/null 2>&1 && [ -x /usr/local/cuda/bin/nvcc ]; then
  export PATH="/usr/local/cuda/bin:$PATH"
fi

build="${MCSEG_BUILD_DIR:-build}"
# shellcheck disable=SC2086
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release ${MCSEG_CMAKE_ARGS:-} >/dev/null
cmake --build "$build" -j"$(nproc)"
