// The AVX-512 build of the CPU kernels (-mavx512f -mavx512dq -mavx512vl -mavx512bw -mfma,
// trainer/CMakeLists.txt), called only on CPUs that have them all. Eigen is renamed as in the
// AVX2 build.
#define Eigen scalelab_eigen_avx512
#define SCALELAB_CPU_KERNEL_NS avx512
#define SCALELAB_CPU_KERNEL_LEVEL ::scalelab::SimdLevel::kAvx512
#define SCALELAB_CPU_KERNELS_FLOAT cpu_kernels_avx512_float
#define SCALELAB_CPU_KERNELS_DOUBLE cpu_kernels_avx512_double
#include "trainer/cpu/cpu_passes.inc"
