// The namespace that holds one SIMD build of the CPU trainer's kernels. The kernel sources
// (cpu_kernels_<level>.cpp) are compiled once per level with that level's instruction set
// (-mavx2 -mfma, -mavx512...) and define SCALELAB_CPU_KERNEL_NS to the level's name before any
// include, so that every template they instantiate (the layers, AdamW, the passes) gets a name
// of its own: the linker can never merge an AVX2 instance into the generic build's callers.
// Everything else (tests, the CUDA backend's checks) sees the generic build.
#pragma once

#ifndef SCALELAB_CPU_KERNEL_NS
#define SCALELAB_CPU_KERNEL_NS generic
#endif
