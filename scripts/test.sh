#!/usr/bin/env bash
# Installs the dependencies, builds scalelab twice (Release, and ASan+UBSan for the host code),
# runs the whole test suite through ctest in both, then a short run of every fuzz target (clang).
# GPU tests report themselves skipped on machines without a GPU. This is what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install_deps.sh
jobs=$(nproc)

echo "== Release build"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build -j "$jobs"
echo "== Release tests"
ctest --test-dir build --output-on-failure -j "$jobs"

echo "== AddressSanitizer + UndefinedBehaviorSanitizer build (host code)"
# -O1 -g1 (line tables: sanitizer reports keep file:line) compiles 2-2.7x faster than -O2 -g.
# No bench/ programs (not tests) and only the generic build of the SIMD kernels here: the
# Release half builds the rest and runs every kernel build this CPU has.
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSCALELAB_SANITIZE=ON \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DSCALELAB_BENCH=OFF \
  -DSCALELAB_SIMD_BUILDS=OFF
cmake --build build-asan -j "$jobs"
echo "== Sanitizer tests"
# Label slow: the end-to-end demos (tests/apps/test_demo.cpp, test_main_job.cpp); label soak:
# the kill-anywhere soak (tests/sweeps/soak_sweep.cpp), which checks crash invariants, not
# memory, and spends its time waiting. Both run in the Release half only.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs" -LE "gpu|slow|soak"

echo "== Fuzzed parsers (libFuzzer, ASan + UBSan; 10 s per target)"
bash scripts/fuzz.sh --seconds 10
