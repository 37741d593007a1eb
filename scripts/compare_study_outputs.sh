#!/usr/bin/env bash
# Runs the study's commands (fit, plot, report; CSV and sweep input) with two scalelab
# binaries and diffs what they print and write: the check that moving code changed no number.
#
#   scripts/compare_study_outputs.sh BEFORE_BIN AFTER_BIN DB SWEEP [OUT_DIR]
#
# DB/SWEEP: a finished sweep (e.g. the demo's: scalelab-demo/scalelab.db demo). Each binary gets
# its own copy of DB, so stored fits do not interfere. Reports differ in their generation time
# only; that line is left out of the diff. Exit 0 when everything is identical, 1 otherwise.
set -uo pipefail
[[ $# -ge 4 ]] || { echo "usage: $0 BEFORE_BIN AFTER_BIN DB SWEEP [OUT_DIR]" >&2; exit 2; }
before=$(realpath "$1") after=$(realpath "$2") db=$(realpath "$3") sweep=$4
out=$(realpath -m "${5:-$(mktemp -d)}")
csv="$(cd "$(dirname "$0")/.." && pwd)/../shared/data/chinchilla_fig4_epoch.csv"
for side in before after; do
  bin=${!side}; d="$out/$side"; rm -rf "$d"; mkdir -p "$d"; cp "$db" "$d/s.db"
  (
    cd "$d" || exit 1
    "$bin" fit --csv "$csv" --law chinchilla --drop-highest 5 --bootstrap 100 --db s.db --format json > fit_csv.json 2>&1
    "$bin" fit "$sweep" --law chinchilla --bootstrap 100 --db s.db --format json > fit_sweep.json 2>&1
    "$bin" fit "$sweep" --law isoflop --db s.db --format json > fit_sweep_isoflop.json 2>&1
    "$bin" validate "$sweep" --db s.db > validate_sweep.txt 2>&1
    "$bin" plot --csv "$csv" --out plot_csv --bootstrap 100 > plot_csv.txt 2>&1
    "$bin" plot "$sweep" --db s.db --out plot_sweep --bootstrap 100 > plot_sweep.txt 2>&1
    "$bin" report "$sweep" --db s.db --out report_sweep.html --bootstrap 100 > report_sweep.txt 2>&1
    "$bin" report --csv "$csv" --out report_csv.html --bootstrap 100 > report_csv.txt 2>&1
    for h in report_sweep.html report_csv.html; do
      # generation time, and inlined images (PNG bytes carry gnuplot's timestamps)
      sed -E 's/generated [0-9-]+ [0-9:]+ UTC/generated (time)/; s/data:image\/[a-z+]+;base64,[A-Za-z0-9+\/=]+/data:(image)/g' "$h" > "$h.cmp"
    done
  )
done
status=0
cd "$out" || exit 1
while IFS= read -r f; do
  case "$f" in *.png|*.svg|*.html|*.db|*.db-*) continue ;; esac
  # fit JSON: the stored fit's id is not an output of the study
  if ! diff -q <(sed -E 's/"fit_id": [0-9]+/"fit_id": N/; s/stored as fit [0-9]+/stored as fit N/; s/(before|after)\//X\//g' "before/$f") \
               <(sed -E 's/"fit_id": [0-9]+/"fit_id": N/; s/stored as fit [0-9]+/stored as fit N/; s/(before|after)\//X\//g' "after/$f") > /dev/null 2>&1; then
    echo "differs: $f"; status=1
  fi
done < <(cd before && find . -type f | sort)
[[ $status -eq 0 ]] && echo "identical: every printed line, .dat, .gp, JSON and report text ($out)"
exit $status
