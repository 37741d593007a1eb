#!/usr/bin/env bash
# Issue 17, item 3: the full demo with every SIMD build of the fit and training kernels this
# CPU runs (SCALELAB_KERNEL=generic|avx2|avx512) and several training seeds, one after the
# other, each in its own directory; prints one row per run (kernel, seed, alpha, beta, target
# predicted [interval], observed, error, checks met, wall time) read from its demo.json.
#
#   kernel_seed_table.sh [--out DIR] [--seeds "1234 1 2"] [--kernels "generic avx2 avx512"]
set -euo pipefail
cd "$(dirname "$0")/.."

out=kernel-seed-table seeds="1234 1 2" kernels="generic avx2 avx512"
while (($#)); do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --seeds) seeds="$2"; shift 2 ;;
    --kernels) kernels="$2"; shift 2 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "kernel_seed_table.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
bin=build/apps/scalelab
[[ -x $bin ]] || { echo "kernel_seed_table.sh: $bin not built (cmake --build build)" >&2; exit 1; }
mkdir -p "$out"

row() {  # DIR: one table row from DIR/demo.json
  python3 - "$1/demo.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
a3 = next((f for f in d["fits"] if f["approach"] == "3"), None) or {}
def num(x, f="{:.3f}"):
    return "n/a" if x is None else f.format(x)
def est(name):
    lo, hi = a3.get("intervals", {}).get(name, [None, None])
    return "{} [{}, {}]".format(num(a3.get("params", {}).get(name)), num(lo), num(hi))
t = d.get("target") or {}
err = t.get("relative_error")
checks = d.get("checks", [])
print("| {} | {} | {}{} | {} | {} [{}, {}] | {} | {} | {} | {}/{} | {:.0f} s |".format(
    d.get("kernel"), d.get("seed"), est("alpha"), " (degenerate)" if a3.get("degenerate") else "",
    est("beta"), num(t.get("predicted"), "{:.4f}"), num(t.get("predicted_lo"), "{:.4f}"),
    num(t.get("predicted_hi"), "{:.4f}"), num(t.get("observed"), "{:.4f}"),
    num(None if err is None else 100 * err, "{:+.2f}%"), t.get("method"),
    sum(1 for c in checks if c.get("met")), len(checks), d["elapsed_s"]["total"]))
PY
}

echo "| kernel | seed | alpha [95%] | beta [95%] | predicted [95%] | observed | error | method | checks met | wall |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for k in $kernels; do
  for s in $seeds; do
    dir="$out/$k-seed$s"
    if ! SCALELAB_KERNEL=$k "$bin" demo --dir "$dir" --seed "$s" >"$dir.log" 2>&1; then
      echo "| $k | $s | demo failed: $(tail -1 "$dir.log") |"
      continue
    fi
    row "$dir"
  done
done
