#!/usr/bin/env bash
# Early-stopping validation on the project's own runs (issue 6, item 5): trains four cosine
# runs of different sizes (29k, 52k, 83k and 133k parameters) on the built-in KJV corpus on
# the CPU (one thread each, 20 tokens per parameter: about 5 s, 15 s, 35 s and 80 s), then
# predicts each run's final loss from the first 20% and 30% of its curve with both
# learning-curve models (`scalelab extrapolate`) and prints the errors against the finished
# runs and the mean absolute error per fraction and model: first on the train loss (every
# step), then on the eval loss (every 10 steps, a fixed held-out set). Runs already finished
# in OUT_DIR are kept (the script resumes).
#
# usage: scripts/validate_extrapolation.sh OUT_DIR [SCALELAB] [RUN_DIR...]
#   OUT_DIR   where the runs are trained (OUT_DIR/params-2.5e4 ... OUT_DIR/params-1.3e5)
#   SCALELAB  the binary (default build/apps/scalelab)
#   RUN_DIR   further finished runs to validate on (e.g. scalelab-demo/runs/*/*), not trained
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
[[ $# -ge 1 ]] || { echo "usage: $0 OUT_DIR [SCALELAB] [RUN_DIR...]" >&2; exit 2; }
out="$1"
scalelab="${2:-$here/build/apps/scalelab}"
shift $(($# >= 2 ? 2 : 1))
[[ -x "$scalelab" ]] || { echo "error: $scalelab: not an executable (build scalelab)" >&2; exit 2; }
mkdir -p "$out"

runs=()
# --params is the shape search's target (the counts above are the shapes'). 2,048-token steps
# of 64-token sequences, 5% warmup, cosine to 10% of the 1e-3 peak, an evaluation of 8,192
# held-out tokens every 10 steps.
for params in 2.5e4 4e4 1e5 1.3e5; do
  name="params-$params"
  dir="$out/$name"
  runs+=("$dir")
  if [[ -f "$dir/summary.json" ]] && grep -q '"status": *"done"' "$dir/summary.json"; then
    continue
  fi
  echo "training $name (--params $params) into $dir" >&2
  rm -rf "$dir"
  OMP_NUM_THREADS=1 "$scalelab" train --params "$params" --tokens-per-param 20 --data kjv \
    --seq-len 64 --batch-tokens 2048 --micro-batch 32 --schedule cosine --eval-every 10 \
    --eval-tokens 8192 --device cpu --threads 1 --seed 1 --out "$dir" >"$out/$name.log" 2>&1
done
runs+=("$@")

csv="$(mktemp)"
trap 'rm -f "$csv"' EXIT
for loss in train eval; do
  : >"$csv"
  for dir in "${runs[@]}"; do
    # A run too short for a fraction (fewer than 4 points before it) is reported and skipped.
    "$scalelab" extrapolate "$dir" --fraction 0.2,0.3 --loss "$loss" --bootstrap 200 \
      --threads 1 --format csv >>"$csv" || echo "(skipped $dir: see the error above)" >&2
  done
  echo "== $loss loss: final loss predicted from the first 20% and 30% of each run"
  # Columns by the CSV's header (repeated once per run); termination, the last, may hold commas.
  awk -F, '$1 == "run" { for (i = 1; i <= NF; ++i) col[$i] = i; next }
    function v(name) { return $col[name] }
    function pct(x) { return x == "" ? "-" : sprintf("%+.2f%%", 100 * x) }
    BEGIN { printf "%-14s %5s %-9s %10s %18s %9s %9s\n", "run", "frac", "model", "predicted",
            "interval", "observed", "error" }
    {
      k = v("fraction") " " v("model")
      if (!(k in cnt)) { cnt[k] = 0; keys[++nk] = k }
      e = v("relative_error")
      if (e != "") { sum[k] += (e < 0 ? -e : e); ++cnt[k] } else ++none[k]
      printf "%-14s %5.2f %-9s %10s %18s %9.4f %9s\n", v("run"), v("fraction"), v("model"),
        v("predicted") == "" ? "none" : sprintf("%.4f", v("predicted")),
        v("predicted_lo") == "" ? "" : sprintf("[%.4f, %.4f]", v("predicted_lo"), v("predicted_hi")),
        v("observed"), pct(e)
    }
    END {
      print ""
      for (i = 1; i <= nk; ++i) {
        k = keys[i]
        printf "fraction %s: mean |error| %s over %d runs%s\n", k,
          cnt[k] ? sprintf("%.2f%%", 100 * sum[k] / cnt[k]) : "-", cnt[k],
          none[k] ? sprintf(" (%d without a finite prediction)", none[k]) : ""
      }
      print ""
    }' "$csv"
done
