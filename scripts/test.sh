#!/usr/bin/env bash
# Installs the dependencies, builds scalelab twice (Release, and ASan+UBSan for the host code)
# and runs the whole test suite through ctest in both. GPU tests report themselves skipped on
# machines without a GPU. This is what CI runs (.ci/run).
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
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSCALELAB_SANITIZE=ON
cmake --build build-asan -j "$jobs"
echo "== Sanitizer tests"
# Label slow: the end-to-end demo (tests/apps/test_demo.cpp), run in the Release half only.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs" -LE "gpu|slow"
