// Profiling driver for the Approach-3 fit: the chinchilla objective on
// ../shared/data/chinchilla_fig4_epoch.csv (5 highest losses dropped), minimised from every
// k-th start of the 4,500-start grid, with the solver's work counted (iterations, cost and
// gradient evaluations, terminations). Meant for `valgrind --tool=callgrind` (deterministic
// instruction counts on a shared machine, with a reduced start count) and for checking that
// the optimum does not depend on the tolerances (--tol-scale 0.01 divides all three by 100).
//
// Usage: fit_profile_driver [--every K] [--threads T] [--tol-scale S] [--screen F]
//        [--repeats R] [--per-start CSV] [--kernels]
// --kernels times one objective+gradient evaluation (the 240 runs) with each build of the kernel
// this CPU runs (fitting/chinchilla_kernel.hpp) instead of fitting.
//
// Counts (valgrind --tool=callgrind, --every 11 --threads 1: 410 starts, which cover every
// value of each grid axis; --every 15 would keep beta = 0 only):
//   Eigen fixed-size blocks of 32 runs:  1,526.6 M instructions, kernel 904.6 M (59%)
//   kernel on Eigen packets:             1,233.4 M instructions, kernel 612.2 M (50%)
//   + screening at 1e5 x the tolerances:   849.6 M instructions, kernel 420.5 M (49%)
// The first two: 71.6-71.9 L-BFGS iterations and 120.4-120.8 gradient evaluations per start;
// with screening 50.3 and 82.5 (the polish of the winner included). What is
// left outside the kernel (~12.6 k instructions per evaluation) is Ceres' line search and
// L-BFGS bookkeeping (malloc/free of its vectors, timing statistics, polynomial
// interpolation via FullPivLU, the rank-20 inverse Hessian product).
// `perf record` of the full grid (1 thread, screening at 1e8: 16.6 gradient evaluations per
// start): with the AVX2 kernel 63% of the time is in the kernel; with the AVX-512 build 51%, and
// the rest is Ceres per evaluation and iteration, about 1.4 us per evaluation: malloc/free 14%,
// gettimeofday 8% (Ceres times every evaluation and line search), the L-BFGS product 5%,
// polynomial interpolation (FullPivLU) 3%. A Solve's fixed cost is about 2 us (4,500 solves of a
// trivial function from its minimum: 10 ms), so reusing problems across starts gains nothing.
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "fitting/chinchilla_kernel.hpp"
#include "fitting/chinchilla_objective.hpp"
#include "fitting/law.hpp"
#include "fitting/lbfgs_multistart.hpp"
#include "fitting/parametric_fit.hpp"

using namespace scalelab;
using namespace scalelab::fitting;

int main(int argc, char** argv) {
  int every = 1, threads = 1, repeats = 1;
  double tol_scale = 1;
  std::string per_start;
  bool kernels = false;
  double screen = LbfgsOptions{}.screening_tolerance_factor;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--every" && i + 1 < argc)
      every = std::atoi(argv[++i]);
    else if (a == "--threads" && i + 1 < argc)
      threads = std::atoi(argv[++i]);
    else if (a == "--tol-scale" && i + 1 < argc)
      tol_scale = std::atof(argv[++i]);
    else if (a == "--screen" && i + 1 < argc)
      screen = std::atof(argv[++i]);
    else if (a == "--per-start" && i + 1 < argc)
      per_start = argv[++i];
    else if (a == "--repeats" && i + 1 < argc)
      repeats = std::atoi(argv[++i]);
    else if (a == "--kernels")
      kernels = true;
    else {
      fmt::print(stderr,
                 "usage: {} [--every K] [--threads T] [--tol-scale S] [--screen F] [--repeats R] "
                 "[--per-start CSV] [--kernels]\n",
                 argv[0]);
      return 2;
    }
  }
  if (every < 1 || repeats < 1 || !(tol_scale > 0)) {
    fmt::print(stderr, "--every and --repeats must be >= 1, --tol-scale > 0\n");
    return 2;
  }
  const auto& law = find_law("chinchilla");
  FitOptions o;
  o.drop_highest = 5;
  const auto kept = prepare_observations(
      law, read_observations_csv(SCALELAB_SHARED_DATA_DIR "/chinchilla_fig4_epoch.csv"), o);
  const auto points = make_points(kept);
  const auto objective = law.objective(points, o.delta);
  if (kernels) {
    // At the published optimum, with the gradient (as the line search always asks).
    std::vector<double> ln, ld, ll;
    for (const auto& p : points) {
      ln.push_back(p.log_n);
      ld.push_back(p.log_d);
      ll.push_back(p.log_loss);
    }
    const double x[5] = {std::log(477.8), std::log(2143.4), std::log(1.8172), 0.3473, 0.3672};
    const int calls = 200000 * repeats;
    for (const auto& [name, kernel] : chinchilla_kernels()) {
      ChinchillaSums s;
      double sink = 0;
      const auto t0 = std::chrono::steady_clock::now();
      for (int c = 0; c < calls; ++c) {
        kernel(ln.data(), ld.data(), ll.data(), ln.size(), x, std::exp(x[kE]), o.delta, true, &s);
        sink += s.f;
      }
      const double s_per_call =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / calls;
      fmt::print("kernel {:<8} {:.3f} us per evaluation of {} runs (objective {:.12e})\n", name,
                 s_per_call * 1e6, ln.size(), sink / calls);
    }
    return 0;
  }
  const auto grid = grid_product(law.grid);
  std::vector<std::vector<double>> starts;
  for (std::size_t i = 0; i < grid.size(); i += static_cast<std::size_t>(every))
    starts.push_back(grid[i]);
  LbfgsOptions lo = o.lbfgs;
  lo.threads = threads;
  lo.screening_tolerance_factor = screen;
  lo.function_tolerance *= tol_scale;
  lo.gradient_tolerance *= tol_scale;
  lo.parameter_tolerance *= tol_scale;

  MultiStartResult ms;
  double seconds = 0;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    ms = minimize_multistart(*objective, starts, std::vector<std::optional<double>>(5), lo);
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  long iterations = 0, costs = 0, gradients = 0;
  std::map<std::string, int> terminations;
  for (const auto& s : ms.starts) {
    iterations += s.iterations;
    costs += s.cost_evaluations;
    gradients += s.gradient_evaluations;
    ++terminations[s.termination.substr(0, s.termination.find(':'))];
  }
  if (!per_start.empty()) {
    std::ofstream csv(per_start);
    csv << "a,b,e,alpha,beta,iterations,gradient_evaluations,objective,termination\n";
    for (const auto& s : ms.starts)
      csv << fmt::format("{},{},{},{},{},{},{},{:.12e},{}\n", s.start[0], s.start[1], s.start[2],
                         s.start[3], s.start[4], s.iterations, s.gradient_evaluations, s.objective,
                         s.termination.substr(0, s.termination.find(':')));
  }
  const auto& w = ms.winner();
  fmt::print("starts {} (every {}), threads {}, tolerances x{}, screening x{}, last run {:.3f} s\n",
             starts.size(), every, threads, tol_scale, screen, seconds);
  fmt::print(
      "iterations {}  cost evaluations {}  gradient evaluations {}  (per start {:.1f} / "
      "{:.1f} / {:.1f})\n",
      iterations, costs, gradients, double(iterations) / starts.size(),
      double(costs) / starts.size(), double(gradients) / starts.size());
  for (const auto& [t, n] : terminations) fmt::print("  {:<14} {}\n", t, n);
  fmt::print(
      "best start {}: objective {:.12e}  E {:.9f}  A {:.6f}  B {:.5f}  alpha {:.9f}  "
      "beta {:.9f}\n  termination: {}\n",
      ms.best, w.objective, std::exp(w.x[kE]), std::exp(w.x[kA]), std::exp(w.x[kB]), w.x[kAlpha],
      w.x[kBeta], w.termination);
  return 0;
}
