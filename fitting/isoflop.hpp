// Approach 2 of Hoffmann et al. 2022: IsoFLOP profiles. Runs are grouped by compute budget;
// per budget a parabola of loss against log N is fitted by least squares, its minimum gives
// N_opt(C) (with a delta-method standard error from the coefficients' covariance), and
// power laws N_opt ∝ C^a, D_opt ∝ C^b are fitted through the minima (weighted by 1/SE² when
// every budget has one).
#pragma once

#include <string>
#include <vector>

#include "fitting/power_law_regression.hpp"
#include "fitting/prediction.hpp"
#include "lib/observation.hpp"

namespace scalelab::fitting {

struct IsoflopOptions {
  enum class Grouping {
    kExact,    // runs whose C agree within `exact_tolerance` (planned sweeps)
    kLogBins,  // log-spaced compute bins (imported data whose budgets differ slightly)
  };
  Grouping grouping = Grouping::kExact;
  double exact_tolerance = 1e-6;  // relative
  double bins_per_decade = 4;     // kLogBins: bin width 1/bins_per_decade in log10 C
  std::size_t min_runs = 3;       // a parabola needs 3 distinct N; smaller budgets are skipped
  double level = 0.95;
};

struct IsoflopProfile {
  double flops = 0;  // geometric mean of the budget's C
  std::size_t n_runs = 0;
  double c0 = 0, c1 = 0, c2 = 0;  // loss ≈ c0 + c1·log N + c2·(log N)²
  Estimate params_opt;            // N_opt with a normal interval on log N_opt
  double log_params_opt_se = 0;   // NaN with exactly 3 runs (no residual degrees of freedom)
  double tokens_opt = 0;          // C / (6 N_opt)
  double min_loss = 0;            // the parabola's value at its minimum
  bool extrapolated = false;      // the minimum lies outside the budget's range of N
};

struct IsoflopResult {
  std::vector<IsoflopProfile> profiles;  // by increasing C
  std::vector<std::string> skipped;      // budgets left out, with the reason
  PowerLawFit params_opt;                // N_opt = k·C^a
  PowerLawFit tokens_opt;                // D_opt = k·C^b
  std::size_t n_points = 0;
};

// The runs grouped into budgets by options.grouping (kExact: a group holds the runs whose C
// is within exact_tolerance of its smallest C; kLogBins: round(log10(C)·bins_per_decade)),
// by increasing C. fit_isoflop fits one parabola per group; the figure draws the same groups.
std::vector<std::vector<const Observation*>> group_isoflop_budgets(
    const std::vector<Observation>& runs, const IsoflopOptions& options);

// Budgets with fewer than 3 distinct N, or whose profile has no minimum (loss not convex in
// log N), are skipped and listed. Throws InputError (with file:line of a run) for a single
// budget or fewer than 2 usable budgets.
IsoflopResult fit_isoflop(const std::vector<Observation>& runs, const IsoflopOptions& options = {});

}  // namespace scalelab::fitting
