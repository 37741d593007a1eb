// Which SIMD build of a hot loop to run: the CPU's own features, or a level forced by the
// environment variable SCALELAB_KERNEL (generic | avx2 | avx512), so that a result can be
// reproduced on every kernel path of every machine (AVX-512 and AVX2 round differently).
// The fit kernels (fitting/chinchilla_kernel.hpp) and the CPU trainer's kernels both choose
// through selected_simd_level().
#pragma once

namespace scalelab {

// Ordered: a CPU that runs a level runs every level below it.
enum class SimdLevel { kGeneric = 0, kAvx2 = 1, kAvx512 = 2 };

inline constexpr const char* kKernelEnvVar = "SCALELAB_KERNEL";

// "generic", "avx2", "avx512".
const char* simd_level_name(SimdLevel level);

// The highest level this CPU runs: avx2 needs AVX2 and FMA; avx512 needs AVX-512 F, DQ, VL and
// BW and FMA.
SimdLevel cpu_simd_level();

// cpu_simd_level(), or the level SCALELAB_KERNEL names when it is set and not empty. Throws
// InputError naming the variable when its value is unknown or above what this CPU runs.
// Read once per process (the first call) and cached.
SimdLevel selected_simd_level();

}  // namespace scalelab
