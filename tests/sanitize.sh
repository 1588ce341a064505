#!/usr/bin/env bash
# tests/sanitize.sh — the second half of the README's test command (after setup.sh and the plain
# tests): the unit tests under AddressSanitizer + UndefinedBehaviorSanitizer, then each fuzz
# harness over its seeds and for a bounded time (tests/fuzz/README.md). Two build folders:
#   build-san/   g++, every target with -fsanitize=address,undefined (MCSEG_SANITIZE), the CPU
#                path and the emulated CUDA backend; the tests but the EXCLUDED ones below
#   build-fuzz/  clang++ with libFuzzer (MCSEG_FUZZ), the harnesses only (Debian 12's clang 14
#                lacks the std::source_location the emulated CUDA backend uses, so it cannot
#                build everything, and g++ has no libFuzzer)
# Every report is fatal (-fno-sanitize-recover=all, halt_on_error=1): it fails the test that made
# it, and ctest prints that test's output. Environment: MCSEG_FUZZ_SECONDS (default 10).
set -euo pipefail
cd "$(dirname "$0")/.."

export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

# Left out here (each still runs in the plain build): the two slow end-to-end tests, 191 s and
# 157 s under the sanitizers on the shared 2-core machine, half of the suite's test time (every
# op and the pipeline's parts they drive are tested on their own); and the compile-only tests
# (layering:, cuda emu:), which run no code for the sanitizers to watch.
EXCLUDED='^(reproduce: |segment: the shipped weights|layering: |cuda emu: )'

MCSEG_BUILD_DIR=build-san MCSEG_CMAKE_ARGS="-DMCSEG_CUDA=OFF -DMCSEG_SANITIZE=ON" bash setup.sh
ctest --test-dir build-san --output-on-failure -j2 -E "$EXCLUDED"

cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
      -DMCSEG_CUDA=OFF -DMCSEG_SANITIZE=ON -DMCSEG_FUZZ=ON -DMCSEG_FUZZ_SECONDS="${MCSEG_FUZZ_SECONDS:-10}" >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target mcseg_fuzzers
ctest --test-dir build-fuzz --output-on-failure -j2 -R '^fuzz: '
