#include "trainer/cpu/cpu_kernels.hpp"

#include <fmt/format.h>

#include "lib/error.hpp"
#include "trainer/cpu/cpu_kernel_builds.hpp"

namespace scalelab::trainer::cpu {

namespace {

bool built(SimdLevel level) {
  switch (level) {
    case SimdLevel::kGeneric:
      return true;
    case SimdLevel::kAvx2:
#ifdef SCALELAB_CPU_AVX2_KERNELS
      return true;
#else
      return false;
#endif
    case SimdLevel::kAvx512:
#ifdef SCALELAB_CPU_AVX512_KERNELS
      return true;
#else
      return false;
#endif
  }
  return false;
}

void check_runnable(SimdLevel level) {
  if (!built(level))
    throw InputError(
        fmt::format("CPU trainer: this build has no '{}' kernels", simd_level_name(level)));
  if (level > cpu_simd_level())
    throw InputError(fmt::format("CPU trainer: this CPU runs at most '{}' kernels, not '{}'",
                                 simd_level_name(cpu_simd_level()), simd_level_name(level)));
}

}  // namespace

template <>
const CpuKernels<float>& cpu_kernels<float>(SimdLevel level) {
  check_runnable(level);
#ifdef SCALELAB_CPU_AVX512_KERNELS
  if (level == SimdLevel::kAvx512) return cpu_kernels_avx512_float();
#endif
#ifdef SCALELAB_CPU_AVX2_KERNELS
  if (level == SimdLevel::kAvx2) return cpu_kernels_avx2_float();
#endif
  return cpu_kernels_generic_float();
}

template <>
const CpuKernels<double>& cpu_kernels<double>(SimdLevel level) {
  check_runnable(level);
#ifdef SCALELAB_CPU_AVX512_KERNELS
  if (level == SimdLevel::kAvx512) return cpu_kernels_avx512_double();
#endif
#ifdef SCALELAB_CPU_AVX2_KERNELS
  if (level == SimdLevel::kAvx2) return cpu_kernels_avx2_double();
#endif
  return cpu_kernels_generic_double();
}

std::vector<SimdLevel> cpu_kernel_levels() {
  std::vector<SimdLevel> out;
  for (SimdLevel l : {SimdLevel::kGeneric, SimdLevel::kAvx2, SimdLevel::kAvx512})
    if (built(l) && l <= cpu_simd_level()) out.push_back(l);
  return out;
}

}  // namespace scalelab::trainer::cpu
