// y = k·C^a fitted as a straight line in log-log space by (weighted) least squares, with
// Student-t intervals for the exponent and the coefficient. Used by Approaches 1 and 2 for
// N_opt ∝ C^a and D_opt ∝ C^b.
#pragma once

#include <vector>

#include "fitting/bootstrap.hpp"

namespace scalelab::fitting {

struct PowerLawFit {
  double coefficient = 0;         // k
  double exponent = 0;            // a
  Interval coefficient_interval;  // NaN bounds when fewer than 3 points
  Interval exponent_interval;
  std::size_t n_points = 0;

  double at(double flops) const;
};

// `weights` empty: ordinary least squares. Throws InputError for fewer than 2 points or a
// single distinct C.
PowerLawFit fit_power_law(const std::vector<double>& flops, const std::vector<double>& y,
                          const std::vector<double>& weights, double level);

// Two-sided Student-t quantile for `level` with `dof` degrees of freedom.
double t_quantile(double level, double dof);

}  // namespace scalelab::fitting
