// The CPU reference backend: CpuModel<float> plus AdamW state, multi-threaded with OpenMP
// (Eigen's GEMM uses the same threads), in the SIMD build of default_cpu_kernel_level()
// (cpu_model.hpp), which description() names.
#pragma once

#include <memory>

#include "trainer/backend.hpp"

namespace scalelab::trainer::cpu {

// threads: 0 = OMP_NUM_THREADS if set, else all hardware threads.
std::unique_ptr<Backend> make_cpu_backend(const ModelShape& shape, int max_batch, int threads);

}  // namespace scalelab::trainer::cpu
