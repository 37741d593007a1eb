#include <Eigen/Core>
#include <algorithm>
#include <cmath>

#include "fitting/chinchilla_kernel.hpp"

namespace scalelab::fitting {

#define SCALELAB_KERNEL_NAME chinchilla_kernel_generic
#include "fitting/chinchilla_kernel.inc"
#undef SCALELAB_KERNEL_NAME

std::vector<std::pair<const char*, ChinchillaKernel>> chinchilla_kernels() {
  std::vector<std::pair<const char*, ChinchillaKernel>> out = {
      {"generic", chinchilla_kernel_generic}};
#ifdef SCALELAB_AVX2_KERNEL
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    out.emplace_back("avx2", chinchilla_kernel_avx2);
#endif
#ifdef SCALELAB_AVX512_KERNEL
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("fma"))
    out.emplace_back("avx512", chinchilla_kernel_avx512);
#endif
  return out;
}

ChinchillaKernel best_chinchilla_kernel() {
  static const ChinchillaKernel best = chinchilla_kernels().back().second;
  return best;
}

}  // namespace scalelab::fitting
