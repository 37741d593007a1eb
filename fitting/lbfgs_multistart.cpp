#include "fitting/lbfgs_multistart.hpp"

#include <ceres/gradient_problem.h>
#include <ceres/gradient_problem_solver.h>
#include <glog/logging.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <limits>
#include <mutex>
#include <thread>

namespace scalelab::fitting {

namespace {

// Presents only the free parameters of `inner` to the solver; fixed ones are filled in.
// Does not own `inner`.
class FreeParameters final : public ceres::FirstOrderFunction {
 public:
  FreeParameters(const ceres::FirstOrderFunction& inner,
                 const std::vector<std::optional<double>>& fixed)
      : inner_(inner), fixed_(fixed) {
    for (std::size_t i = 0; i < fixed_.size(); ++i)
      if (!fixed_[i]) free_.push_back(i);
  }

  bool Evaluate(const double* free, double* cost, double* gradient) const override {
    double full[32];
    double full_gradient[32];
    expand(free, full);
    if (!inner_.Evaluate(full, cost, gradient ? full_gradient : nullptr)) return false;
    if (gradient)
      for (std::size_t k = 0; k < free_.size(); ++k) gradient[k] = full_gradient[free_[k]];
    return true;
  }
  int NumParameters() const override { return static_cast<int>(free_.size()); }

  void expand(const double* free, double* full) const {
    for (std::size_t i = 0; i < fixed_.size(); ++i)
      if (fixed_[i]) full[i] = *fixed_[i];
    for (std::size_t k = 0; k < free_.size(); ++k) full[free_[k]] = free[k];
  }
  const std::vector<std::size_t>& free() const { return free_; }

 private:
  const ceres::FirstOrderFunction& inner_;
  const std::vector<std::optional<double>>& fixed_;
  std::vector<std::size_t> free_;
};

}  // namespace

void parallel_for(std::size_t count, int threads, const std::function<void(std::size_t)>& task) {
  std::size_t n = threads > 0 ? static_cast<std::size_t>(threads)
                              : std::max(1u, std::thread::hardware_concurrency());
  n = std::min(n, std::max<std::size_t>(count, 1));
  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto worker = [&] {
    for (;;) {
      const std::size_t i = next.fetch_add(1);
      if (i >= count) return;
      try {
        task(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(failure_mutex);
        if (!failure) failure = std::current_exception();
        next = count;  // stop handing out work
      }
    }
  };
  if (n <= 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    for (std::size_t t = 0; t < n; ++t) pool.emplace_back(worker);
    for (auto& t : pool) t.join();
  }
  if (failure) std::rethrow_exception(failure);
}

MultiStartResult minimize_multistart(const ceres::FirstOrderFunction& f,
                                     const std::vector<std::vector<double>>& starts,
                                     const std::vector<std::optional<double>>& fixed_in,
                                     const LbfgsOptions& options) {
  // Ceres' line search logs a glog WARNING each time it meets a flat direction, which grid
  // starts at α = 0 or β = 0 do by construction; thousands of such lines help nobody.
  static std::once_flag quiet;
  std::call_once(quiet, [] {
    if (FLAGS_minloglevel < google::GLOG_ERROR) FLAGS_minloglevel = google::GLOG_ERROR;
  });
  const std::size_t dim = static_cast<std::size_t>(f.NumParameters());
  std::vector<std::optional<double>> fixed = fixed_in;
  fixed.resize(dim);
  if (dim > 32) throw std::logic_error("minimize_multistart: at most 32 parameters");

  ceres::GradientProblemSolver::Options solver_options;
  solver_options.line_search_direction_type = ceres::LBFGS;
  solver_options.max_num_iterations = options.max_iterations;
  solver_options.function_tolerance = options.function_tolerance;
  solver_options.gradient_tolerance = options.gradient_tolerance;
  solver_options.parameter_tolerance = options.parameter_tolerance;
  solver_options.logging_type = ceres::SILENT;

  // One L-BFGS run from the full parameter vector `start` (fixed values included).
  auto solve = [&](const std::vector<double>& start,
                   const ceres::GradientProblemSolver::Options& so, StartOutcome& out) {
    FreeParameters* free_f = new FreeParameters(f, fixed);  // owned by the problem
    ceres::GradientProblem problem(free_f);
    std::vector<double> x;
    for (std::size_t k : free_f->free()) x.push_back(start[k]);
    ceres::GradientProblemSolver::Summary summary;
    if (!x.empty()) {
      ceres::Solve(so, problem, x.data(), &summary);
      out.converged = summary.termination_type == ceres::CONVERGENCE;
      out.termination = ceres::TerminationTypeToString(summary.termination_type) +
                        std::string(": ") + summary.message;
      out.iterations += static_cast<int>(summary.iterations.size()) - 1;
      out.cost_evaluations += summary.num_cost_evaluations;
      out.gradient_evaluations += summary.num_gradient_evaluations;
    } else {
      out.converged = true;
      out.termination = "CONVERGENCE: every parameter fixed";
    }
    out.x.resize(dim);
    free_f->expand(x.data(), out.x.data());
    double cost = std::numeric_limits<double>::infinity();
    if (!f.Evaluate(out.x.data(), &cost, nullptr) || !std::isfinite(cost)) {
      cost = std::numeric_limits<double>::infinity();
      out.converged = false;
    }
    out.objective = cost;
  };

  // Stage 1, every start: the tolerances loosened by screening_tolerance_factor.
  const double screen = starts.size() >= options.min_starts_to_screen
                            ? std::max(1.0, options.screening_tolerance_factor)
                            : 1.0;
  ceres::GradientProblemSolver::Options screen_options = solver_options;
  screen_options.function_tolerance *= screen;
  screen_options.gradient_tolerance *= screen;
  screen_options.parameter_tolerance *= screen;
  MultiStartResult result;
  result.starts.resize(starts.size());
  parallel_for(starts.size(), options.threads, [&](std::size_t i) {
    result.starts[i].start = starts[i];
    solve(starts[i], screen_options, result.starts[i]);
  });
  auto find_best = [&] {
    result.best = 0;
    for (std::size_t i = 1; i < result.starts.size(); ++i)
      if (result.starts[i].objective < result.starts[result.best].objective) result.best = i;
  };
  find_best();

  // Stage 2: the start with the best end point, and each start with another distinct end point
  // whose objective is within polish_margin of it, solved with the full tolerances.
  if (screen > 1 && !result.starts.empty() && std::isfinite(result.winner().objective)) {
    std::vector<std::size_t> order(result.starts.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return result.starts[a].objective < result.starts[b].objective;
    });
    const double limit = result.winner().objective * (1 + options.polish_margin);
    std::vector<std::size_t> polish;
    for (std::size_t i : order) {
      if (!(result.starts[i].objective <= limit) || polish.size() >= options.max_polished) break;
      bool distinct = true;
      for (std::size_t j : polish) {
        bool same = true;
        for (std::size_t k = 0; k < dim; ++k)
          same = same && std::fabs(result.starts[i].x[k] - result.starts[j].x[k]) <=
                             1e-3 * std::max(1.0, std::fabs(result.starts[j].x[k]));
        distinct = distinct && !same;
      }
      if (distinct) polish.push_back(i);
    }
    // Each is run again from its own start with the full tolerances, so that the winner (its
    // end point and termination) is exactly what a one-stage run of that start gives. (Going on
    // from the screened end point instead restarts L-BFGS without its history at the noise
    // floor, where Ceres' line search may report a FAILURE.)
    parallel_for(polish.size(), options.threads, [&](std::size_t k) {
      StartOutcome& out = result.starts[polish[k]];
      StartOutcome full;
      full.start = out.start;
      solve(out.start, solver_options, full);
      full.cost_evaluations += out.cost_evaluations;  // the work of both stages
      full.gradient_evaluations += out.gradient_evaluations;
      out = std::move(full);
    });
    find_best();
  }
  return result;
}

std::vector<std::vector<double>> grid_product(const std::vector<std::vector<double>>& axes) {
  std::vector<std::vector<double>> out(1);
  for (const auto& axis : axes) {
    std::vector<std::vector<double>> next;
    next.reserve(out.size() * axis.size());
    for (const auto& prefix : out)
      for (double v : axis) {
        next.push_back(prefix);
        next.back().push_back(v);
      }
    out = std::move(next);
  }
  return out;
}

}  // namespace scalelab::fitting
