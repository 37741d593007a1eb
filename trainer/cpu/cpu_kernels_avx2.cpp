// The AVX2+FMA build of the CPU kernels (-mavx2 -mfma, trainer/CMakeLists.txt), called only on
// CPUs that have both. Eigen is renamed so that none of its out-of-line template instances
// (compiled here with AVX2 instructions) can be picked by the linker for the generic build.
#define Eigen scalelab_eigen_avx2
#define SCALELAB_CPU_KERNEL_NS avx2
#define SCALELAB_CPU_KERNEL_LEVEL ::scalelab::SimdLevel::kAvx2
#define SCALELAB_CPU_KERNELS_FLOAT cpu_kernels_avx2_float
#define SCALELAB_CPU_KERNELS_DOUBLE cpu_kernels_avx2_double
#include "trainer/cpu/cpu_passes.inc"
