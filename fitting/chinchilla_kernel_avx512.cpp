// Compiled with AVX-512 (F, DQ, VL, BW) and FMA (fitting/CMakeLists.txt) and called only on CPUs
// that have them: 8 doubles per packet. Eigen is renamed here for the reason given in
// chinchilla_kernel_avx2.cpp.
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12 flags _mm512_undefined_pd() inside its own AVX-512 intrinsics (which Eigen's packets
// use) as (maybe) used uninitialized: GCC bug 105593, a false positive.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#define Eigen scalelab_eigen_avx512
#include <Eigen/Core>
#include <algorithm>
#include <cmath>

#include "fitting/chinchilla_kernel.hpp"

namespace scalelab::fitting {

#define SCALELAB_KERNEL_NAME chinchilla_kernel_avx512
#include "fitting/chinchilla_kernel.inc"
#undef SCALELAB_KERNEL_NAME

}  // namespace scalelab::fitting
