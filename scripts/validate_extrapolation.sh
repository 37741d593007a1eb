#!/usr/bin/env bash
# Early-stopping validation on the project's own runs (issue 6, item 5): for every finished
# cosine run under RUNS_DIR (for instance the demo's, scalelab-demo/runs), predict its final
# loss from the first 20% and 30% of its curve with both learning-curve models and print the
# errors against the finished run, then the mean absolute error per fraction and model.
#
# usage: scripts/validate_extrapolation.sh [RUNS_DIR] [SCALELAB]
#   RUNS_DIR  default scalelab-demo/runs (run `scalelab demo` first)
#   SCALELAB  default build/apps/scalelab
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
runs="${1:-scalelab-demo/runs}"
scalelab="${2:-$here/build/apps/scalelab}"
[[ -d "$runs" ]] || { echo "error: $runs: no such directory (run scalelab demo first)" >&2; exit 2; }

tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
echo "[" >"$tmp"
first=1
while IFS= read -r summary; do
  dir="$(dirname "$summary")"
  grep -q '"status": *"done"' "$summary" || continue
  out="$("$scalelab" extrapolate "$dir" --fraction 0.2,0.3 --bootstrap 0 --format json)"
  [[ $first == 1 ]] || echo "," >>"$tmp"
  first=0
  printf '%s\n' "$out" >>"$tmp"
done < <(find "$runs" -name summary.json | sort)
echo "]" >>"$tmp"

python3 - "$tmp" <<'EOF'
import json, sys
rows = [r for group in json.load(open(sys.argv[1])) for r in group]
print(f"{'run':<28} {'frac':>4} {'model':<9} {'predicted':>9} {'observed':>8} {'error':>8}")
for r in rows:
    name = r["run_dir"].rstrip("/").split("/")[-1]
    pred = "none" if r["predicted"] is None else f"{r['predicted']:.4f}"
    err = "-" if r["relative_error"] is None else f"{100 * r['relative_error']:+.2f}%"
    print(f"{name:<28} {r['fraction']:>4.1f} {r['model']:<9} {pred:>9} {r['observed']:>8.4f} {err:>8}")
print()
for f in (0.2, 0.3):
    for m in ("lr-aware", "power-law"):
        sel = [r for r in rows if r["fraction"] == f and r["model"] == m]
        errs = [abs(r["relative_error"]) for r in sel if r["relative_error"] is not None]
        mean = f"{100 * sum(errs) / len(errs):.2f}%" if errs else "-"
        print(f"fraction {f}, {m:<9}: mean |error| {mean} over {len(errs)} of {len(sel)} runs"
              f" ({len(sel) - len(errs)} without a finite prediction)")
EOF
