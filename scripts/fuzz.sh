#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz: clang, ASan + UBSan) in build-fuzz/ and runs each
# from its seed corpus (tests/fuzz/corpus/TARGET); inputs the fuzzer finds go to
# build-fuzz/corpus/TARGET, never into the repository. Prints one line per target (executions,
# seconds, corpus size) and exits 1 on the first crash, leak, hang or sanitizer report, with the
# input saved as build-fuzz/artifacts/TARGET-crash-*.
#
#   fuzz.sh                         every target for 10 s (what scripts/test.sh runs)
#   fuzz.sh --seconds 60            every target for 60 s
#   fuzz.sh --runs 1000000 fuzz_csv one target for 10^6 executions
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=10 runs=-1 targets=()
while (($#)); do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --runs) runs="$2"; seconds=0; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    fuzz_*) targets+=("$1"); shift ;;
    *) echo "fuzz.sh: unknown argument '$1' (accepted: --seconds S, --runs N, fuzz_TARGET...)" >&2
       exit 2 ;;
  esac
done
all=(fuzz_csv fuzz_budget fuzz_sweep_config fuzz_metrics_jsonl fuzz_token_file fuzz_checkpoint)
((${#targets[@]})) || targets=("${all[@]}")

for tool in clang++; do
  command -v "$tool" >/dev/null || { echo "fuzz.sh: $tool not found (bash scripts/install_deps.sh installs it)" >&2; exit 1; }
done
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++ -DSCALELAB_FUZZ=ON -DSCALELAB_CUDA=OFF \
  >build-fuzz.log 2>&1 || { cat build-fuzz.log >&2; exit 1; }
cmake --build build-fuzz --target "${targets[@]}" >>build-fuzz.log 2>&1 ||
  { tail -40 build-fuzz.log >&2; exit 1; }
rm -f build-fuzz.log

mkdir -p build-fuzz/artifacts
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
printf '%-20s %12s %8s %8s  %s\n' target executions seconds corpus result
status=0
for t in "${targets[@]}"; do
  mkdir -p "build-fuzz/corpus/$t"
  log="build-fuzz/$t.log"
  dict=()
  [[ -f tests/fuzz/$t.dict ]] && dict=(-dict="tests/fuzz/$t.dict")
  # -timeout: an input that takes over 10 s is a hang; -rss_limit_mb: one over 2 GiB a leak.
  if build-fuzz/tests/fuzz/"$t" -runs="$runs" -max_total_time="$seconds" -timeout=10 \
       -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="build-fuzz/artifacts/$t-" "${dict[@]}" \
       "build-fuzz/corpus/$t" "tests/fuzz/corpus/$t" >"$log" 2>&1; then
    result=ok
  else
    result="FAILED (see $log)"; status=1
  fi
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}' | tail -1)
  secs=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | awk '{print $5}' | tail -1)
  printf '%-20s %12s %8s %8s  %s\n' "$t" "${execs:-?}" "${secs:-?}" \
    "$(find "build-fuzz/corpus/$t" -type f | wc -l)" "$result"
  [[ $result == ok ]] || { grep -m3 -E 'ERROR|SUMMARY|runtime error|terminate' "$log" >&2 || true; }
done
exit $status
