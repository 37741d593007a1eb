#include "bench/fp32_peak.hpp"

#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include "lib/simd_level.hpp"

namespace scalelab::bench {

namespace {

// Independent accumulators hide the FMA latency (4-5 cycles) on up to two ports: 10
// suffice, and they and the two constants must fit in the vector registers. AVX-512 has 32
// (16 accumulators); AVX2 and SSE2 have 16 (12 accumulators). The results are summed and
// returned so that the compiler keeps every instruction.
constexpr int kAccumulatorsAvx512 = 16;
constexpr int kAccumulatorsNarrow = 12;

__attribute__((target("avx512f"))) float fma_loop_avx512(long iters) {
  __m512 acc[kAccumulatorsAvx512];
  for (int k = 0; k < kAccumulatorsAvx512; ++k)
    acc[k] = _mm512_set1_ps(0.001f * static_cast<float>(k));
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (long i = 0; i < iters; ++i)
    for (int k = 0; k < kAccumulatorsAvx512; ++k) acc[k] = _mm512_fmadd_ps(acc[k], a, b);
  __m512 sum = acc[0];
  for (int k = 1; k < kAccumulatorsAvx512; ++k) sum = _mm512_add_ps(sum, acc[k]);
  alignas(64) float out[16];  // (GCC 12's _mm512_reduce_add_ps warns -Wuninitialized)
  _mm512_store_ps(out, sum);
  float total = 0;
  for (float v : out) total += v;
  return total;
}

__attribute__((target("avx2,fma"))) float fma_loop_avx2(long iters) {
  __m256 acc[kAccumulatorsNarrow];
  for (int k = 0; k < kAccumulatorsNarrow; ++k)
    acc[k] = _mm256_set1_ps(0.001f * static_cast<float>(k));
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (long i = 0; i < iters; ++i)
    for (int k = 0; k < kAccumulatorsNarrow; ++k) acc[k] = _mm256_fmadd_ps(acc[k], a, b);
  __m256 sum = acc[0];
  for (int k = 1; k < kAccumulatorsNarrow; ++k) sum = _mm256_add_ps(sum, acc[k]);
  alignas(32) float out[8];
  _mm256_store_ps(out, sum);
  float total = 0;
  for (float v : out) total += v;
  return total;
}

// SSE2 has no FMA: a multiply and an add per lane, counted as 2 FLOPs.
float fma_loop_generic(long iters) {
  __m128 acc[kAccumulatorsNarrow];
  for (int k = 0; k < kAccumulatorsNarrow; ++k)
    acc[k] = _mm_set1_ps(0.001f * static_cast<float>(k));
  const __m128 a = _mm_set1_ps(0.999999f), b = _mm_set1_ps(1e-7f);
  for (long i = 0; i < iters; ++i)
    for (int k = 0; k < kAccumulatorsNarrow; ++k) acc[k] = _mm_add_ps(_mm_mul_ps(acc[k], a), b);
  __m128 sum = acc[0];
  for (int k = 1; k < kAccumulatorsNarrow; ++k) sum = _mm_add_ps(sum, acc[k]);
  alignas(16) float out[4];
  _mm_store_ps(out, sum);
  return out[0] + out[1] + out[2] + out[3];
}

}  // namespace

Fp32Peak measure_fp32_peak(int threads, double seconds, SimdLevel asked) {
  const SimdLevel level = std::min(asked, cpu_simd_level());
  const int lanes = level == SimdLevel::kAvx512 ? 16 : level == SimdLevel::kAvx2 ? 8 : 4;
  const int accumulators = level == SimdLevel::kAvx512 ? kAccumulatorsAvx512 : kAccumulatorsNarrow;
  auto loop = [level](long iters) {
    return level == SimdLevel::kAvx512 ? fma_loop_avx512(iters)
           : level == SimdLevel::kAvx2 ? fma_loop_avx2(iters)
                                       : fma_loop_generic(iters);
  };
  threads = std::max(1, threads);
  // Calibrate one thread to about `seconds`.
  long iters = 1 << 16;
  while (true) {
    const auto t0 = std::chrono::steady_clock::now();
    volatile float sink = loop(iters);
    (void)sink;
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (dt > seconds / 4 || iters > (1L << 40)) {
      iters = static_cast<long>(static_cast<double>(iters) * seconds / std::max(dt, 1e-9));
      break;
    }
    iters *= 4;
  }
  iters = std::max(1L, iters);
  double best = 0;
  for (int repeat = 0; repeat < 3; ++repeat) {
    std::vector<std::thread> pool;
    std::vector<float> sinks(static_cast<std::size_t>(threads));
    const auto t0 = std::chrono::steady_clock::now();
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] { sinks[static_cast<std::size_t>(t)] = loop(iters); });
    for (auto& th : pool) th.join();
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double flops = 2.0 * lanes * accumulators * static_cast<double>(iters) * threads;
    best = std::max(best, flops / dt / 1e9);
  }
  return {best, simd_level_name(level), threads};
}

}  // namespace scalelab::bench
