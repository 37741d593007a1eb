#!/usr/bin/env bash
# Installs the dependencies, builds scalelab and runs the main job.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install_deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build -j "$(nproc)"
./build/apps/scalelab plan --budget 1e17:1e19:3 --grid 5
