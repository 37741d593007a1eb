// The inner loop of the Approach-3 objective (fitting/chinchilla_objective.hpp): the summed
// Huber loss and its gradient sums over all runs. Three builds of one source
// (chinchilla_kernel.inc): a generic one (the -march=x86-64 baseline, SSE2), one compiled for
// AVX2+FMA and one for AVX-512 (F, DQ, VL, BW) + FMA, each compiled when the compiler supports
// it (fitting/CMakeLists.txt). The build that runs is the highest this CPU runs, or the one the
// environment variable SCALELAB_KERNEL=generic|avx2|avx512 forces (lib/simd_level.hpp), so a
// fit can be reproduced on every kernel path: the builds round differently (4- or 8-wide sums,
// FMA), and a fit whose optimum is not identified can land elsewhere on each. exp and log
// dominate the fit's time; Eigen vectorises them 4-wide with AVX2 (about 5x faster than the
// SSE2 baseline).
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "lib/simd_level.hpp"

namespace scalelab::fitting {

struct ChinchillaSums {
  double f = 0;  // Σ Huber(r_i)
  // Σ h_i·t1_i, Σ h_i·t2_i, Σ h_i, −Σ h_i·t1_i·log N_i, −Σ h_i·t2_i·log D_i with
  // h_i = Huber'(r_i)/s_i, t1 = A/N^α, t2 = B/D^β, s = E + t1 + t2.
  double ga = 0, gb = 0, ge = 0, galpha = 0, gbeta = 0;
};

// x = (a, b, e, α, β); big_e = exp(e). Returns false when a sum is not finite.
using ChinchillaKernel = bool (*)(const double* log_n, const double* log_d, const double* log_loss,
                                  std::size_t n, const double* x, double big_e, double delta,
                                  bool gradient, ChinchillaSums* out);

bool chinchilla_kernel_generic(const double* log_n, const double* log_d, const double* log_loss,
                               std::size_t n, const double* x, double big_e, double delta,
                               bool gradient, ChinchillaSums* out);
#ifdef SCALELAB_AVX2_KERNEL
bool chinchilla_kernel_avx2(const double* log_n, const double* log_d, const double* log_loss,
                            std::size_t n, const double* x, double big_e, double delta,
                            bool gradient, ChinchillaSums* out);
#endif
#ifdef SCALELAB_AVX512_KERNEL
bool chinchilla_kernel_avx512(const double* log_n, const double* log_d, const double* log_loss,
                              std::size_t n, const double* x, double big_e, double delta,
                              bool gradient, ChinchillaSums* out);
#endif

// The build of `level`, by name ("generic", "avx2", "avx512"). Throws InputError naming
// SCALELAB_KERNEL when this binary has no build of that level (its compiler lacked the flags).
std::pair<const char*, ChinchillaKernel> chinchilla_kernel_for(SimdLevel level);

// The build the fits use: chinchilla_kernel_for(selected_simd_level()), i.e. the fastest this
// CPU runs unless SCALELAB_KERNEL forces another. Throws InputError for a bad SCALELAB_KERNEL
// (unknown, or above what the CPU runs). Resolved once per process.
ChinchillaKernel best_chinchilla_kernel();
// Its name, recorded in a fit's JSON as "kernel".
const char* selected_chinchilla_kernel_name();

// Every build this CPU runs, by name, slowest first (for tests).
std::vector<std::pair<const char*, ChinchillaKernel>> chinchilla_kernels();

}  // namespace scalelab::fitting
