// The baseline x86-64 build (SSE2) of the CPU kernels: runs on every CPU.
#define SCALELAB_CPU_KERNEL_NS generic
#define SCALELAB_CPU_KERNEL_LEVEL ::scalelab::SimdLevel::kGeneric
#define SCALELAB_CPU_KERNELS_FLOAT cpu_kernels_generic_float
#define SCALELAB_CPU_KERNELS_DOUBLE cpu_kernels_generic_double
#include "trainer/cpu/cpu_passes.inc"
