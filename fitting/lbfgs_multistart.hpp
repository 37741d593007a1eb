// Minimising one objective from many starting points with Ceres' L-BFGS
// (ceres::GradientProblemSolver), the starts spread over threads. Used by every parametric
// fit: the Hoffmann et al. grid of 4,500 starts, and the few starts of each bootstrap refit.
#pragma once

#include <ceres/first_order_function.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace scalelab::fitting {

struct LbfgsOptions {
  // Stop after this many L-BFGS iterations (Ceres' default of 50 is far too few for the
  // flat valleys of scaling-law objectives).
  int max_iterations = 2000;
  // Ceres' relative tolerances. Tight enough that the optimum does not move when they are
  // divided by 100 (checked with bench/fit_profile_driver --tol-scale 0.01): the objectives are
  // ~1e-3 and their valleys are long and flat.
  double function_tolerance = 1e-13;
  double gradient_tolerance = 1e-13;
  double parameter_tolerance = 1e-12;
  // Two stages (same optimum, a fifth of the evaluations on the Chinchilla grid): every
  // start first runs with the three tolerances multiplied by this factor, then the start with
  // the best end point, and each start whose distinct end point is within `polish_margin`
  // (relative) of that objective, is run again with the full tolerances: the winner is what a
  // one-stage run of that start gives. 1 runs every start to the full tolerances. At 1e8 a
  // screened start stops at a relative function change of 1e-5, so the margin (1e-3) is 100
  // times that, and every distinct end point inside it is polished. Checked against the
  // one-stage fit (tests/fitting/test_reference_fit.cpp: the reference data with and without
  // dropping, and noisy synthetic runs: same objective to 1e-11). On the reference data
  // (bench/fit_profile_driver --screen) the gradient evaluations per start fall from 83.4 at
  // 1e5 to 16.6, and the 4,500-start fit from 0.77 s to 0.17 s on 2 cores.
  double screening_tolerance_factor = 1e8;
  double polish_margin = 1e-3;
  std::size_t max_polished = 16;  // at most this many distinct end points are run again
  // Fewer starts than this are all run to the full tolerances (the learning-curve fits and
  // bootstrap refits): with a handful of starts, re-running the winner would cost more than
  // the screening saves.
  std::size_t min_starts_to_screen = 64;
  // Threads over which starts are spread; 0 = std::thread::hardware_concurrency().
  int threads = 0;
};

// Ceres' outcome of one start.
struct StartOutcome {
  std::vector<double> start;
  std::vector<double> x;    // final point (full parameter vector, fixed values included)
  double objective = 0;     // final objective (+inf when the solver failed)
  bool converged = false;   // ceres::CONVERGENCE
  std::string termination;  // e.g. "CONVERGENCE: Function tolerance reached. ..."
  int iterations = 0;
  int cost_evaluations = 0;      // Ceres' Summary::num_cost_evaluations
  int gradient_evaluations = 0;  // Ceres' Summary::num_gradient_evaluations
};

struct MultiStartResult {
  std::vector<StartOutcome> starts;  // in the order of the given starts
  std::size_t best = 0;              // index of the lowest objective
  const StartOutcome& winner() const { return starts[best]; }
};

// Minimises `f` from each start. `fixed[i]` (when set) pins parameter i to that value: the
// solver sees only the free parameters. `f` must be safe to evaluate from several threads
// at once (every objective in fitting/ is: Evaluate is const and pure).
MultiStartResult minimize_multistart(const ceres::FirstOrderFunction& f,
                                     const std::vector<std::vector<double>>& starts,
                                     const std::vector<std::optional<double>>& fixed,
                                     const LbfgsOptions& options);

// The cartesian product of per-parameter grids, the first parameter varying slowest.
std::vector<std::vector<double>> grid_product(const std::vector<std::vector<double>>& axes);

// Runs task(i) for i in [0, count) on `threads` threads (0: hardware concurrency). The first
// exception thrown by a task is rethrown after every thread has stopped.
void parallel_for(std::size_t count, int threads, const std::function<void(std::size_t)>& task);

}  // namespace scalelab::fitting
