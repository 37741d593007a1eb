// A tiny sweep for the plot tests: 3 budgets × 5 sizes drawn from Besiroglu et al.'s law with
// a small deterministic wiggle, fitted with Approaches 2 and 3 (few bootstrap resamples).
#pragma once

#include <cmath>
#include <vector>

#include "fitting/fit_report.hpp"
#include "fitting/isoflop.hpp"
#include "lib/observation.hpp"
#include "lib/scaling_law.hpp"

namespace scalelab::testing {

inline std::vector<Observation> tiny_sweep() {
  std::vector<Observation> runs;
  int k = 0;
  for (double c : {1e18, 4e18, 1.6e19}) {
    const double n_opt = kEpoch2024.optimal_allocation(c).params;
    for (double f : {0.25, 0.5, 1.0, 2.0, 4.0}) {
      Observation o;
      o.params = n_opt * f;
      o.tokens = c / (6 * o.params);
      o.flops = c;
      o.loss = kEpoch2024.loss(o.params, o.tokens) * (1 + 0.004 * std::sin(1.7 * ++k));
      o.where = "tiny:" + std::to_string(k);
      runs.push_back(o);
    }
  }
  return runs;
}

struct TinyFits {
  std::vector<Observation> runs = tiny_sweep();
  fitting::IsoflopOptions isoflop_options;
  fitting::IsoflopResult isoflop = fitting::fit_isoflop(runs, isoflop_options);
  fitting::ParametricOutcome chinchilla = fit_chinchilla(runs);

  static fitting::ParametricOutcome fit_chinchilla(const std::vector<Observation>& runs) {
    fitting::FitRequest r;
    r.bootstrap.resamples = 20;
    return fitting::fit_parametric(runs, r);
  }
};

}  // namespace scalelab::testing
