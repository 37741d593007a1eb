#include "fitting/parametric_fit.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "fitting/chinchilla_kernel.hpp"
#include "lib/error.hpp"

namespace scalelab::fitting {

double FitResult::value(std::string_view name) const {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return values[i];
  throw std::out_of_range(fmt::format("fit of {} has no parameter {}", law, name));
}

std::vector<std::optional<double>> fixed_parameters(const LawSpec& law, const FitOptions& options) {
  std::vector<std::optional<double>> fixed(law.params.size());
  for (const auto& [name, value] : options.fixed) {
    if (!std::isfinite(value))
      throw InputError(
          fmt::format("fixed parameter {}: value must be finite, got {}", name, value));
    const std::size_t i = law.index(name);
    fixed[i] = law.fitted_value(i, value);
  }
  return fixed;
}

std::vector<Observation> prepare_observations(const LawSpec& law,
                                              const std::vector<Observation>& observations,
                                              const FitOptions& options) {
  for (const auto& o : observations) {
    validate_observation(o);
    if (law.needs_unique_tokens && !o.unique_tokens)
      throw InputError(
          fmt::format("{}: law {} needs unique_tokens for every run", o.where, law.name));
  }
  if (options.drop_highest < 0)
    throw InputError(fmt::format("--drop-highest: must be >= 0, got {}", options.drop_highest));
  if (!(options.delta > 0) || !std::isfinite(options.delta))
    throw InputError(fmt::format("Huber delta must be finite and positive, got {}", options.delta));
  const std::size_t drop = static_cast<std::size_t>(options.drop_highest);
  if (drop >= observations.size())
    throw InputError(fmt::format("cannot drop the {} highest losses of {} observations", drop,
                                 observations.size()));
  std::vector<std::size_t> order(observations.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return observations[a].loss > observations[b].loss;
  });
  std::vector<bool> dropped(observations.size(), false);
  for (std::size_t k = 0; k < drop; ++k) dropped[order[k]] = true;
  std::vector<Observation> kept;
  for (std::size_t i = 0; i < observations.size(); ++i)
    if (!dropped[i]) kept.push_back(observations[i]);

  const auto fixed = fixed_parameters(law, options);
  const auto n_free =
      static_cast<std::size_t>(std::count(fixed.begin(), fixed.end(), std::nullopt));
  if (kept.size() <= n_free) {
    const std::string where = kept.empty() ? std::string("input") : kept.back().where;
    throw InputError(fmt::format(
        "{}: law {} has {} free parameters but only {} runs remain; need more runs than "
        "parameters",
        where, law.name, n_free, kept.size()));
  }
  return kept;
}

FitResult fit_law_from(const LawSpec& law, const std::vector<Observation>& kept,
                       const std::vector<std::vector<double>>& starts,
                       const std::vector<std::optional<double>>& fixed, const FitOptions& options) {
  const auto points = make_points(kept);
  const auto objective = law.objective(points, options.delta);
  const MultiStartResult ms = minimize_multistart(*objective, starts, fixed, options.lbfgs);
  const StartOutcome& best = ms.winner();

  FitResult r;
  r.law = law.name;
  for (const auto& p : law.params) r.names.push_back(p.name);
  r.x = best.x;
  r.values = law.reported(best.x);
  r.objective = best.objective;
  r.n_points = kept.size();
  r.converged = best.converged;
  r.termination = best.termination;
  r.iterations = best.iterations;
  r.n_starts = ms.starts.size();
  for (std::size_t i = 0; i < law.params.size(); ++i) {
    r.fixed.push_back(fixed[i].has_value());
    const auto& spec = law.params[i];
    const double v = r.values[i];
    const double span = std::max(std::fabs(v), 1.0) * 1e-4;
    r.at_bound.push_back(!fixed[i] && ((spec.lower && v <= *spec.lower + span) ||
                                       (spec.upper && v >= *spec.upper - span)));
  }
  for (const auto& s : ms.starts) {
    if (s.converged) ++r.n_starts_converged;
    if (!(s.objective <= best.objective * (1 + options.tie_tolerance) + 1e-15)) continue;
    bool agree = true;
    for (std::size_t k = 0; k < s.x.size(); ++k)
      if (std::fabs(s.x[k] - best.x[k]) >
          options.agree_tolerance * std::max(1.0, std::fabs(best.x[k])))
        agree = false;
    ++(agree ? r.n_starts_at_best : r.n_starts_disagreeing);
  }
  r.residuals.reserve(points.size());
  for (const auto& p : points) r.residuals.push_back(law.log_loss(best.x.data(), p) - p.log_loss);
  r.kept = kept;
  return r;
}

FitResult fit_law(const LawSpec& law, const std::vector<Observation>& observations,
                  const FitOptions& options) {
  // Resolved first: a bad SCALELAB_KERNEL is an input error before any work.
  const char* kernel = law.name == "chinchilla" ? selected_chinchilla_kernel_name() : "";
  const auto kept = prepare_observations(law, observations, options);
  const auto& axes = options.grid.empty() ? law.grid : options.grid;
  if (axes.size() != law.params.size())
    throw InputError(fmt::format("start grid for law {} has {} axes, the law has {} parameters",
                                 law.name, axes.size(), law.params.size()));
  for (std::size_t i = 0; i < axes.size(); ++i)
    if (axes[i].empty())
      throw InputError(fmt::format("start grid for {} is empty", law.params[i].name));
  FitResult r =
      fit_law_from(law, kept, grid_product(axes), fixed_parameters(law, options), options);
  r.n_dropped = observations.size() - kept.size();
  r.kernel = kernel;
  r.degenerate_reason = degeneracy_reason(point_degeneracy(law, r, options.degeneracy));
  r.degenerate = !r.degenerate_reason.empty();
  return r;
}

}  // namespace scalelab::fitting
