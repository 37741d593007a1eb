#include <Eigen/Core>
#include <algorithm>
#include <cmath>

#include "fitting/chinchilla_kernel.hpp"

namespace scalelab::fitting {

#define SCALELAB_KERNEL_NAME chinchilla_kernel_generic
#include "fitting/chinchilla_kernel.inc"
#undef SCALELAB_KERNEL_NAME

ChinchillaKernel best_chinchilla_kernel() {
#ifdef SCALELAB_AVX2_KERNEL
  static const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (avx2) return chinchilla_kernel_avx2;
#endif
  return chinchilla_kernel_generic;
}

}  // namespace scalelab::fitting
