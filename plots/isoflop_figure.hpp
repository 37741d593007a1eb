// IsoFLOP profiles (Hoffmann et al. 2022, Figure 3 left): final loss against parameters N,
// one colour per compute budget, each budget's fitted parabola in log N and its minimum
// with the minimum's interval.
#pragma once

#include <optional>
#include <vector>

#include "fitting/isoflop.hpp"
#include "lib/observation.hpp"
#include "plots/figure.hpp"

namespace scalelab::plots {

struct IsoflopBudgetData {
  double flops = 0;                  // the budget (geometric mean of its runs' C)
  std::vector<double> params, loss;  // its runs
  // Fitted profile loss = c0 + c1·ln N + c2·(ln N)² and its minimum; unset for a budget the
  // fit skipped (its runs are still drawn).
  std::optional<fitting::IsoflopProfile> profile;
};

struct IsoflopPlotData {
  std::vector<IsoflopBudgetData> budgets;  // by increasing C
  std::string grouping;                    // how runs were grouped, for the title
  double level = 0.95;                     // of the minima's intervals
};

// Groups `runs` as fit_isoflop did (the same `options`) and pairs each group with its fitted
// profile. Runs of skipped budgets become budgets without a profile.
IsoflopPlotData isoflop_plot_data(const std::vector<Observation>& runs,
                                  const fitting::IsoflopResult& fit,
                                  const fitting::IsoflopOptions& options);

// Figure "isoflop_profiles".
Figure isoflop_figure(const IsoflopPlotData& data);

}  // namespace scalelab::plots
