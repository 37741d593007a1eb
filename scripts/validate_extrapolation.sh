#!/usr/bin/env bash
# Early-stopping validation on the project's own runs (issue 18, item 6): trains cosine and
# WSD runs of four sizes (2-layer llama, d_model 24, 32, 40, 48: 25k-96k parameters, TPP
# tokens per parameter) and one shorter schedule (d_model 32 at TPP/2 tokens per parameter) on
# the built-in KJV corpus on the CPU (one thread each: 20 s to 3 min on an idle core), then
# predicts each run's final train loss from the first 20% and 30% of its curve with every
# learning-curve model (`scalelab extrapolate`): without references, with the next smaller
# finished run of the same schedule as reference ("smaller"), and, for d_model 32, with the
# same model's shorter schedule ("shorter"). It prints every row, then per (fraction, model,
# reference kind) the mean and worst |error| against the finished runs and the coverage of the
# 95% block-bootstrap interval (the observed final loss inside it). Runs already finished in
# OUT_DIR are kept (the script resumes).
#
# usage: scripts/validate_extrapolation.sh OUT_DIR [SCALELAB]
#   OUT_DIR   where the runs are trained (OUT_DIR/cosine-d24-t20 ... OUT_DIR/wsd-d32-t10 at
#             TPP 20)
#   SCALELAB  the binary (default build/apps/scalelab)
# Environment: WIDTHS (default "24 32 40 48"), TPP (tokens per parameter, default 20: the
# IsoFLOP sweeps' regime, where 20% of a run is 42-157 steps and still in the loss' first
# fall; 100 gives runs of 1,054-3,912 steps), BOOTSTRAP (refits per interval, default 50),
# THREADS (default 1).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
[[ $# -ge 1 ]] || { echo "usage: $0 OUT_DIR [SCALELAB]" >&2; exit 2; }
out="$1"
scalelab="${2:-$here/build/apps/scalelab}"
bootstrap="${BOOTSTRAP:-50}"
threads="${THREADS:-1}"
[[ -x "$scalelab" ]] || { echo "error: $scalelab: not an executable (build scalelab)" >&2; exit 2; }
mkdir -p "$out"

read -r -a widths <<<"${WIDTHS:-24 32 40 48}"
tpp="${TPP:-20}"
[[ "$tpp" =~ ^[0-9]+$ && "$tpp" -ge 2 && $((tpp % 2)) -eq 0 ]] ||
  { echo "error: TPP: '$tpp' (accepted: an even integer >= 2)" >&2; exit 2; }
short=$((tpp / 2))
# 2,048-token steps of 64-token sequences, 5% warmup, to 10% of the 1e-3 peak (cosine; WSD:
# 1-sqrt cooldown over the last 20%), an evaluation of 8,192 held-out tokens every 10 steps.
train() {  # schedule width tokens_per_param
  local dir="$out/$1-d$2-t$3"
  if [[ -f "$dir/summary.json" ]] && grep -q '"status": *"done"' "$dir/summary.json"; then
    return
  fi
  echo "training $dir" >&2
  rm -rf "$dir"
  OMP_NUM_THREADS=1 "$scalelab" train --n-layer 2 --d-model "$2" --n-head 2 \
    --tokens-per-param "$3" --data kjv --seq-len 64 --batch-tokens 2048 --micro-batch 32 \
    --schedule "$1" --eval-every 10 --eval-tokens 8192 --device cpu --threads 1 --seed 1 \
    --out "$dir" >"$dir.log" 2>&1
}
for schedule in cosine wsd; do
  for w in "${widths[@]}"; do train "$schedule" "$w" "$tpp"; done
  train "$schedule" 32 "$short"
done

csv="$(mktemp)"
trap 'rm -f "$csv"' EXIT
extrapolate() {  # kind run_dir [reference]
  local kind="$1" dir="$2"
  shift 2
  "$scalelab" extrapolate "$dir" --fraction 0.2,0.3 --bootstrap "$bootstrap" \
    --threads "$threads" --format csv ${1:+--reference "$1"} |
    awk -v kind="$kind" -F, 'NR == 1 { print "kind," $0; next } { print kind "," $0 }' >>"$csv"
}
for schedule in cosine wsd; do
  previous=""
  for w in "${widths[@]}"; do
    dir="$out/$schedule-d$w-t$tpp"
    extrapolate none "$dir"
    [[ -n "$previous" ]] && extrapolate smaller "$dir" "$previous"
    [[ "$w" == 32 ]] && extrapolate shorter "$dir" "$out/$schedule-d32-t$short"
    previous="$dir"
  done
done

echo "== train loss: final loss predicted from the first 20% and 30% of each run"
# Columns by the CSV's header (repeated once per call); termination, the last, may hold commas.
awk -F, '$2 == "run" { for (i = 1; i <= NF; ++i) col[$i] = i; next }
  function v(name) { return $col[name] }
  function pct(x) { return x == "" ? "-" : sprintf("%+.2f%%", 100 * x) }
  function abs(x) { return x < 0 ? -x : x }
  BEGIN { printf "%-16s %5s %-13s %-16s %10s %18s %9s %9s\n", "run", "frac", "model",
          "reference", "predicted", "interval", "observed", "error" }
  {
    ref = v("references") == "" ? "none" : v("references")
    rec = v("recommended") == "true" ? " *" : ""
    k = sprintf("%.1f %-12s %-8s", v("fraction"), v("model"), v("kind"))
    if (!(k in cnt)) { cnt[k] = 0; keys[++nk] = k }
    kr = sprintf("%.1f %-12s %-8s", v("fraction"), "recommended", v("kind"))
    if (!(kr in cnt)) { cnt[kr] = 0; keys[++nk] = kr }
    e = v("relative_error")
    if (e != "") {
      sum[k] += abs(e); ++cnt[k]; if (abs(e) > worst[k]) worst[k] = abs(e)
      if (rec != "") { sum[kr] += abs(e); ++cnt[kr]; if (abs(e) > worst[kr]) worst[kr] = abs(e) }
    } else ++none[k]
    if (v("predicted_lo") != "") {
      ++ints[k]; if (v("observed") >= v("predicted_lo") && v("observed") <= v("predicted_hi")) ++cov[k]
    }
    printf "%-16s %5.2f %-13s %-16s %10s %18s %9.4f %9s\n", v("run"), v("fraction"),
      v("model") rec, ref, v("predicted") == "" ? "none" : sprintf("%.4f", v("predicted")),
      v("predicted_lo") == "" ? "" : sprintf("[%.4f, %.4f]", v("predicted_lo"), v("predicted_hi")),
      v("observed"), pct(e)
  }
  END {
    print ""
    printf "%-3s %-12s %-8s %5s %11s %11s %13s %s\n", "frac", "model", "ref", "runs",
      "mean |err|", "worst |err|", "95% coverage", ""
    for (i = 1; i <= nk; ++i) {
      k = keys[i]
      printf "%s %5d %10s %11s %13s%s\n", k, cnt[k],
        cnt[k] ? sprintf("%.2f%%", 100 * sum[k] / cnt[k]) : "-",
        cnt[k] ? sprintf("%.2f%%", 100 * worst[k]) : "-",
        ints[k] ? sprintf("%d/%d", cov[k], ints[k]) : "-",
        none[k] ? sprintf("  (%d without a finite prediction)", none[k]) : ""
    }
  }' "$csv"
