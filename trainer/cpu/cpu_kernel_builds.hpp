// The tables of each SIMD build of the CPU kernels (cpu_passes.inc), for cpu_kernels.cpp to
// choose from. SCALELAB_CPU_AVX2_KERNELS / SCALELAB_CPU_AVX512_KERNELS are defined when the
// compiler could build those levels (trainer/CMakeLists.txt).
#pragma once

#include "trainer/cpu/cpu_kernels.hpp"

namespace scalelab::trainer::cpu {

const CpuKernels<float>& cpu_kernels_generic_float();
const CpuKernels<double>& cpu_kernels_generic_double();
#ifdef SCALELAB_CPU_AVX2_KERNELS
const CpuKernels<float>& cpu_kernels_avx2_float();
const CpuKernels<double>& cpu_kernels_avx2_double();
#endif
#ifdef SCALELAB_CPU_AVX512_KERNELS
const CpuKernels<float>& cpu_kernels_avx512_float();
const CpuKernels<double>& cpu_kernels_avx512_double();
#endif

}  // namespace scalelab::trainer::cpu
