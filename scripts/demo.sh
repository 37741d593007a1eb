#!/usr/bin/env bash
# Installs the dependencies, builds scalelab and runs the main job: `scalelab demo` plans an
# IsoFLOP sweep on the built-in corpus, trains it, fits Approaches 2 and 3, predicts the
# compute-optimal run at 4x the largest budget, trains it, prints predicted against observed
# and writes scalelab-demo/report.html. Run again, it resumes. Extra arguments go to the demo
# (e.g. --quick, --dir DIR).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install_deps.sh --main-job
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build -j "$(nproc)" --target scalelab  # tests and benches: scripts/test.sh
./build/apps/scalelab demo "$@"
