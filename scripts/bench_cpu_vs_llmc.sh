#!/usr/bin/env bash
# Side-by-side CPU training throughput: scalelab's reference backend (bench/cpu_train_bench)
# against llm.c's CPU trainer (train_gpt2.c) on the same GPT-2 shapes, sequence length, batch
# and thread count, each at two flag sets: -O3, and each project's best (ours -O3
# -march=native, llm.c's own default -Ofast -march=native). Shapes run back to back, ours then
# the peer's, so both see the same machine load; the load is printed per shape.
#
# usage: scripts/bench_cpu_vs_llmc.sh LLMC_DIR [THREADS] [STEPS]
#   LLMC_DIR  a checkout of https://github.com/karpathy/llm.c (not part of this repository)
# Builds ours into $BUILD (default build-bench/) and $BUILD_NATIVE (default build-bench-native/)
# beside the sources, and the peer into LLMC_DIR/scalelab-peer/.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
llmc="${1:?usage: $0 LLMC_DIR [THREADS] [STEPS]}"
threads="${2:-$(nproc)}"
steps="${3:-2}"
[[ -f "$llmc/train_gpt2.c" ]] || { echo "error: $llmc/train_gpt2.c not found (LLMC_DIR must be an llm.c checkout)" >&2; exit 2; }

peer_dir="$llmc/scalelab-peer"
mkdir -p "$peer_dir"
gcc -O3 -fopenmp -DOMP -I"$llmc" "$here/bench/peers/llmc_cpu_step.c" -lm -o "$peer_dir/llmc_O3"
gcc -Ofast -march=native -fopenmp -DOMP -I"$llmc" "$here/bench/peers/llmc_cpu_step.c" -lm \
  -o "$peer_dir/llmc_Ofast_native"

build="${BUILD:-$here/build-bench}"
build_native="${BUILD_NATIVE:-$here/build-bench-native}"
cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake -S "$here" -B "$build_native" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSCALELAB_NATIVE=ON \
  >/dev/null
ninja -C "$build" cpu_train_bench >/dev/null
ninja -C "$build_native" cpu_train_bench >/dev/null

export OMP_NUM_THREADS="$threads"
# ours: arch:n_layer:d_model:n_head:vocab:seq_len:batch | llm.c: V L NH C T B
shapes=("gpt2:2:128:4:256:256:16|256 2 4 128 256 16"
        "gpt2:6:384:6:256:256:8|256 6 6 384 256 8"
        "gpt2:12:768:12:50257:64:4|50257 12 12 768 64 4")
ours_tps() { "$1" --steps "$steps" --threads "$threads" --shape "$2" --format csv | tail -1 | cut -d, -f6; }
peer_tps() { "$1" $2 "$steps" 2>/dev/null | tail -1 | sed -E 's/.*: ([0-9.]+) tokens\/s.*/\1/'; }

printf '%-28s %-24s %5s %12s %12s %7s\n' shape 'flags ours|llm.c' load "ours tok/s" "llm.c tok/s" ratio
for s in "${shapes[@]}"; do
  ours_shape="${s%%|*}"
  peer_args="${s##*|}"
  for flags in O3 native; do
    if [[ $flags == O3 ]]; then
      a=$(ours_tps "$build/bench/cpu_train_bench" "$ours_shape")
      b=$(peer_tps "$peer_dir/llmc_O3" "$peer_args")
      label="-O3|-O3"
    else
      a=$(ours_tps "$build_native/bench/cpu_train_bench" "$ours_shape")
      b=$(peer_tps "$peer_dir/llmc_Ofast_native" "$peer_args")
      label="-O3 native|-Ofast native"
    fi
    printf '%-28s %-24s %5s %12.1f %12.1f %6.2fx\n' "$ours_shape" "$label" \
      "$(cut -d' ' -f1 /proc/loadavg)" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN { print a / b }')"
  done
done
