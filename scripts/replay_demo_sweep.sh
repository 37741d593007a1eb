#!/usr/bin/env bash
# Issue 12's before/after measurement: trains every run of a finished demo's sweep again from
# its config.json with the scalelab binary BIN (for example one built from an older commit in a
# git worktree), two at a time like the demo's 2 workers, one thread each, and prints the wall
# time. Each run's summary.json (tokens_per_s, wall_time_s, final losses) lands in OUT/RUN.
#
#   replay_demo_sweep.sh BIN DEMO_DIR OUT      (DEMO_DIR: a `scalelab demo --dir` directory)
set -euo pipefail
[[ $# -eq 3 ]] || { echo "usage: $0 BIN DEMO_DIR OUT" >&2; exit 2; }
bin="$1" demo="$2" out="$3"
[[ -x "$bin" ]] || { echo "replay_demo_sweep.sh: $bin: not an executable" >&2; exit 2; }
compgen -G "$demo/runs/demo/*/config.json" >/dev/null ||
  { echo "replay_demo_sweep.sh: $demo/runs/demo: no runs with a config.json" >&2; exit 2; }
# OUT is replaced only when it is empty or an earlier replay's (it holds our `list`): a wrong
# argument must not delete a demo or anything else.
if [[ -e "$out" && -n "$(ls -A "$out")" && ! -f "$out/list" ]]; then
  echo "replay_demo_sweep.sh: $out: exists and is not an earlier replay's output" >&2
  exit 2
fi
rm -rf "$out"
mkdir -p "$out"
ls -d "$demo"/runs/demo/*/ >"$out/list"
start=$(date +%s.%N)
status=0
xargs -P 2 -I{} bash -c 'r=$(basename {}); OMP_NUM_THREADS=1 "$0" train --config {}/config.json \
  --out "$1/$r" --threads 1 >"$1/$r.log" 2>&1 || { echo "FAILED $r (see $1/$r.log)"; exit 1; }' \
  "$bin" "$out" <"$out/list" || status=1
end=$(date +%s.%N)
awk -v n="$(wc -l <"$out/list")" -v a="$start" -v b="$end" 'BEGIN { printf "runs %d wall %.1f s\n", n, b - a }'
exit "$status"
