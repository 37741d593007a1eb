#!/usr/bin/env bash
# The kill-anywhere soak test (issue 16) with N kills: a sweep of tiny models trained while
# its coordinator is killed with SIGKILL at random instants and at named crash points
# (lib/crash_point.hpp: inside ingest transactions and run-state transitions) and random
# workers are killed, resumed after each kill; every round is checked against an
# uninterrupted sweep (tests/sweeps/soak_sweep.cpp says which invariants). Prints one line per
# kill and the count of kills survived; exits 1 at the first broken invariant.
#
#   scripts/soak.sh N [BUILD_DIR] [SEED]      (default: 100 kills, build/, seed 1)
#
# Crash points: upsert_metrics:mid_transaction, upsert_metrics:before_commit,
# upsert_metrics:after_commit, ingest:before_upsert, ingest:after_upsert,
# claim_run:before_update, claim_run:before_commit, coordinator:after_claim,
# coordinator:after_flush, coordinator:before_finish, finish_run:before_commit,
# coordinator:after_finish, requeue_run:before_commit.
set -euo pipefail
cd "$(dirname "$0")/.."
kills=${1:-100}
build=${2:-build}
seed=${3:-1}
cmake --build "$build" --target sweeps_soak scalelab
dir=$(mktemp -d "${TMPDIR:-/tmp}/scalelab-soak.XXXXXX")
echo "soak: $kills kills in $dir"
"$build/tests/sweeps/sweeps_soak" --scalelab "$build/apps/scalelab" --dir "$dir/work" \
  --kills "$kills" --seed "$seed"
rm -rf "$dir"
