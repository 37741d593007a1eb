#!/usr/bin/env bash
# Installs everything scalelab needs from Debian 12 packages. Idempotent: packages already
# present are left alone. Run as root (or with sudo). The CUDA toolkit, when present, is
# expected at /usr/local/cuda; without it the CUDA backend is simply not built.
#
#   install_deps.sh             everything: the build, the main job, the tests and bench/ peers
#   install_deps.sh --main-job  only what building the scalelab binary and `scalelab demo` need
#                               (scripts/demo.sh: no browser, Slurm or Python to download)
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libeigen3-dev libceres-dev libsqlite3-dev sqlite3 libfmt-dev
  libboost-program-options-dev doctest-dev nlohmann-json3-dev libyaml-cpp-dev
  libsentencepiece-dev
  zlib1g-dev           # the report's headless-browser test decodes its screenshot with zlib
  gnuplot-nox          # figures
  bible-kjv bible-kjv-text  # the built-in real-text corpus (about 4.4 MB of English)
)
case "${1:-}" in
  --main-job) ;;
  "")
    packages+=(
      chromium  # the report's headless-browser test
      python3 python3-numpy python3-scipy  # bench/ peers
      python3-torch        # bench/cpu_train_bench: PyTorch eager on the CPU beside our trainer
      libopenblas0-pthread # ...with OpenBLAS under it (Debian's default ATLAS: 40 GFLOP/s sgemm)
      clang-format
      clang libclang-rt-14-dev libomp-dev  # scripts/fuzz.sh: libFuzzer, ASan, UBSan; OpenMP for clang
      slurmctld slurmd slurm-client munge  # tests/sweeps: a localhost Slurm cluster
    )
    ;;
  *) echo "install_deps.sh: unknown option '$1' (accepted: --main-job)" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "scalelab dependencies: all ${#packages[@]} packages installed"
