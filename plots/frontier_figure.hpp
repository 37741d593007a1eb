// The compute-optimal frontier (Hoffmann et al. 2022, Figure 3 middle and right): N_opt and
// D_opt against compute C, with the per-budget optima of our fits, the power laws fitted
// through them, the frontier implied by the parametric fit with its bootstrap band, and the
// published Chinchilla (Hoffmann et al. 2022) and Kaplan et al. 2020 allocations.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fitting/bootstrap.hpp"
#include "fitting/envelope.hpp"
#include "fitting/isoflop.hpp"
#include "fitting/prediction.hpp"
#include "plots/figure.hpp"

namespace scalelab::plots {

// A frontier sampled over C with its band (the parametric fit's compute-optimal split).
struct FrontierCurve {
  std::string label;
  std::vector<double> flops;
  std::vector<fitting::Estimate> params, tokens;  // intervals optional (no bootstrap: none)
};

struct FrontierData {
  // Approach 2 (IsoFLOP minima and their power laws); unset when not fitted.
  std::optional<fitting::IsoflopResult> isoflop;
  // Approach 1 (lower envelope of training curves); unset when not fitted.
  std::optional<fitting::EnvelopeResult> envelope;
  // Approach 3 (parametric fit), sampled over [c_min, c_max].
  std::optional<FrontierCurve> parametric;
  double level = 0.95;
  // Range of C over which lines are drawn (the data's, extended to a requested budget).
  double c_min = 0, c_max = 0;
  bool published = true;  // draw the Chinchilla and Kaplan allocations
};

// A parametric fit's compute-optimal split at `points` log-spaced budgets over
// [c_min, c_max], with intervals from the bootstrap samples (may be empty).
FrontierCurve parametric_frontier(const std::string& label, const fitting::LawSpec& law,
                                  const std::vector<double>& x,
                                  const std::vector<std::vector<double>>& samples, double level,
                                  double c_min, double c_max, int points = 40);

// Figures "frontier_params" (N_opt against C) and "frontier_tokens" (D_opt against C).
std::vector<Figure> frontier_figures(const FrontierData& data);

}  // namespace scalelab::plots
