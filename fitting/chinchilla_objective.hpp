// The Approach-3 objective of Hoffmann et al. 2022 with its analytic gradient:
//   f(a, b, e, α, β) = Σ_i Huber_δ( LSE(a − α·log N_i, b − β·log D_i, e) − log L_i )
// where E = exp(e), A = exp(a), B = exp(b): LSE of the three terms is log(E + A/N^α + B/D^β).
// Summed over runs, not averaged (averaging makes the objective ~1e-5 and stops L-BFGS early:
// the reason the published Hoffmann et al. fit is off, Besiroglu et al. 2024).
#pragma once

#include <ceres/first_order_function.h>

#include <vector>

#include "fitting/chinchilla_kernel.hpp"
#include "fitting/law_point.hpp"

namespace scalelab::fitting {

// Parameter order of the vector the solver sees.
enum ChinchillaParam { kA = 0, kB = 1, kE = 2, kAlpha = 3, kBeta = 4 };

class ChinchillaObjective final : public ceres::FirstOrderFunction {
 public:
  // Throws InputError for a bad SCALELAB_KERNEL (best_chinchilla_kernel).
  ChinchillaObjective(const std::vector<LawPoint>& points, double delta);
  bool Evaluate(const double* x, double* cost, double* gradient) const override;
  int NumParameters() const override { return 5; }

 private:
  bool evaluate_fast(const double* x, double* cost, double* gradient) const;
  bool evaluate_stable(const double* x, double* cost, double* gradient) const;

  std::vector<double> log_n_, log_d_, log_loss_;
  double delta_;
  ChinchillaKernel kernel_;  // best_chinchilla_kernel(), resolved when constructed
};

// log(E + A/N^α + B/D^β) at (a, b, e, α, β), computed as a stable log-sum-exp.
double chinchilla_log_loss(const double* x, double log_n, double log_d);

}  // namespace scalelab::fitting
