// The fp32 ceiling of this CPU for the trainer benchmarks: GFLOP/s of a loop of independent
// fused multiply-adds in registers (no memory traffic), in the widest SIMD build the CPU runs
// (lib/simd_level.hpp's cpu_simd_level: AVX-512, AVX2+FMA, or SSE2 mul+add), or in a lower
// build asked for (the ceiling of a CPU of that level, to judge a forced kernel build), on
// `threads` threads at once. No
// GEMM can beat it; a good BLAS reaches 80-95% of it at large sizes. Bench programs only.
#pragma once

#include "lib/simd_level.hpp"

namespace scalelab::bench {

struct Fp32Peak {
  double gflops_per_s = 0;  // all threads together
  const char* kernel = "";  // "avx512", "avx2", "generic"
  int threads = 1;
};

// Runs about `seconds` of FMAs per thread and returns the rate of the best of 3 repeats, in
// the build of `level` (clamped to what this CPU runs; unset: the CPU's widest).
Fp32Peak measure_fp32_peak(int threads, double seconds = 0.2,
                           SimdLevel level = SimdLevel::kAvx512);

}  // namespace scalelab::bench
