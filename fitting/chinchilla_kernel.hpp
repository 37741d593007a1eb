// The inner loop of the Approach-3 objective (fitting/chinchilla_objective.hpp): the summed
// Huber loss and its gradient sums over all runs. Three builds of one source
// (chinchilla_kernel.inc): a generic one, one compiled for AVX2+FMA and one for AVX-512 (each
// of the last two only where the compiler supports its flags), the fastest the CPU runs
// chosen at run time from its features. exp and log dominate the fit's time; Eigen vectorises
// them 4-wide with AVX2 (about 5x faster than the SSE2 baseline the default -march=x86-64
// build gets), 8-wide with AVX-512.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

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

// The fastest kernel this CPU runs.
ChinchillaKernel best_chinchilla_kernel();

// Every build this CPU runs, by name ("generic", "avx2", "avx512"), slowest first (for tests).
std::vector<std::pair<const char*, ChinchillaKernel>> chinchilla_kernels();

}  // namespace scalelab::fitting
