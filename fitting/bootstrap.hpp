// Bootstrap over runs for a parametric fit: resample the runs with replacement, refit, and
// report percentile intervals for every parameter (and, through the samples, for predicted
// losses and compute-optimal allocations: fitting/prediction.hpp).
//
// Refits start from the full-data optimum plus `grid_starts` points drawn at random from the
// law's start grid (seeded), not from the whole 4,500-point grid: each resample's optimum lies
// near the full-data one, so the optimum start finds it, and the random grid starts guard
// against a resample whose optimum moved to another basin. Runs are the unit resampled: the
// points of one run (same run_key) are drawn together.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fitting/parametric_fit.hpp"

namespace scalelab::fitting {

struct BootstrapOptions {
  int resamples = 1000;    // number of bootstrap refits; 0 = none
  std::uint64_t seed = 0;  // resample i uses a generator seeded from (seed, i)
  double level = 0.95;     // central percentile interval
  int grid_starts = 4;     // random grid starts per refit, besides the full-data optimum
  int threads = 0;         // 0: hardware concurrency; refits are spread over threads
};

struct Interval {
  double lo = 0, hi = 0;
};

struct BootstrapResult {
  int resamples = 0;  // refits attempted
  int failed = 0;     // refits that did not converge (left out)
  double level = 0.95;
  std::vector<std::vector<double>> samples;  // per converged refit: fitted-scale parameters
  std::vector<Interval> intervals;           // per parameter, reported scale
  // Per parameter: more than 2.5% of refits put it at or beyond its plausible range.
  std::vector<bool> at_bound;
};

// Resamples `point.kept` (the observations of the point estimate). Throws InputError for a
// bad level or count.
BootstrapResult bootstrap(const LawSpec& law, const FitResult& point, const FitOptions& options,
                          const BootstrapOptions& boot);

// Percentile interval of `values` (linear interpolation between order statistics, the
// type-7 quantile of R and NumPy) at the central `level`. NaN values (a refit whose law has
// no finite answer there, e.g. an exponent at 0) are left out; infinities are kept, so an
// interval can be honestly unbounded. NaN bounds when no value is left.
Interval percentile_interval(std::vector<double> values, double level);

}  // namespace scalelab::fitting
