// Compiled with -mavx2 -mfma (fitting/CMakeLists.txt) and called only on CPUs that have them.
// Eigen is renamed in this file so that none of its out-of-line template instances (compiled
// here with AVX2 instructions) can be picked by the linker for the generic build.
#define Eigen scalelab_eigen_avx2
#include <Eigen/Core>
#include <algorithm>
#include <cmath>

#include "fitting/chinchilla_kernel.hpp"

namespace scalelab::fitting {

#define SCALELAB_KERNEL_NAME chinchilla_kernel_avx2
#include "fitting/chinchilla_kernel.inc"
#undef SCALELAB_KERNEL_NAME

}  // namespace scalelab::fitting
