#!/usr/bin/env bash
# The AVX2 and AVX-512 builds of the CPU kernels (trainer/cpu/cpu_kernels_<level>.cpp) must
# define no global symbol that another translation unit could also define: the linker keeps one
# copy of such a symbol (an inline function, a template instance) and could hand the generic
# build's callers the copy compiled with AVX2 instructions, which crashes on an older CPU.
# Allowed: the level's own namespace, its renamed Eigen, its two kernel tables, and the
# personality-routine reference every C++ object carries.
# Usage: kernel_symbols_check.sh libscalelab_trainer.a
set -euo pipefail
archive=$1
status=0
checked=0
for level in avx2 avx512; do
  member="cpu_kernels_${level}.cpp.o"
  ar t "$archive" | grep -qx "$member" || continue
  checked=$((checked + 1))
  tmp=$(mktemp -d)
  (cd "$tmp" && ar x "$archive" "$member")
  bad=$(nm -C --defined-only "$tmp/$member" | awk '$2 ~ /^[TWVuDBR]$/' |
    grep -v -e "scalelab_eigen_${level}::" -e "scalelab::trainer::cpu::${level}::" \
      -e "scalelab::trainer::${level}::" -e "cpu_kernels_${level}_float()" \
      -e "cpu_kernels_${level}_double()" -e "DW.ref.__gxx_personality_v0" || true)
  rm -rf "$tmp"
  if [[ -n "$bad" ]]; then
    echo "$member defines symbols outside its own namespaces:"
    echo "$bad" | head -20
    status=1
  else
    echo "$member: every global symbol is its own"
  fi
done
if ((checked == 0)); then
  # Nothing to check is a skip, not a pass (ctest: SKIP_RETURN_CODE 77).
  echo "skipped: no vector build of the CPU kernels in $archive (SCALELAB_SIMD_BUILDS=OFF, or not x86-64)"
  exit 77
fi
exit $status
