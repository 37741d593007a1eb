#include "fitting/isoflop.hpp"

#include <fmt/format.h>

#include <Eigen/Dense>
#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <map>
#include <set>

#include "lib/compute.hpp"
#include "lib/error.hpp"

namespace scalelab::fitting {

namespace {

std::vector<std::vector<const Observation*>> group_runs(const std::vector<Observation>& runs,
                                                        const IsoflopOptions& o) {
  std::vector<const Observation*> sorted;
  for (const auto& r : runs) sorted.push_back(&r);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Observation* a, const Observation* b) { return a->flops < b->flops; });
  std::vector<std::vector<const Observation*>> groups;
  if (o.grouping == IsoflopOptions::Grouping::kExact) {
    for (const Observation* r : sorted) {
      if (groups.empty() || r->flops > groups.back().front()->flops * (1.0 + o.exact_tolerance))
        groups.emplace_back();
      groups.back().push_back(r);
    }
  } else {
    std::map<long long, std::vector<const Observation*>> bins;
    for (const Observation* r : sorted)
      bins[std::llround(std::log10(r->flops) * o.bins_per_decade)].push_back(r);
    for (auto& [k, g] : bins) groups.push_back(std::move(g));
  }
  return groups;
}

}  // namespace

IsoflopResult fit_isoflop(const std::vector<Observation>& runs, const IsoflopOptions& o) {
  if (!(o.level > 0 && o.level < 1))
    throw InputError(fmt::format("--level: must be in (0, 1), got {}", o.level));
  if (o.grouping == IsoflopOptions::Grouping::kLogBins && !(o.bins_per_decade > 0))
    throw InputError(fmt::format("--bins-per-decade: must be positive, got {}", o.bins_per_decade));
  if (runs.empty()) throw InputError("IsoFLOP fit: no runs");
  for (const auto& r : runs) validate_observation(r);
  const auto groups = group_runs(runs, o);
  if (groups.size() < 2)
    throw InputError(fmt::format(
        "{}: IsoFLOP fit needs runs at 2 or more compute budgets, all {} runs share C = {:.4g}",
        runs.front().where, runs.size(), runs.front().flops));

  IsoflopResult result;
  result.n_points = runs.size();
  boost::math::normal normal;
  const double z = boost::math::quantile(normal, 0.5 + o.level / 2.0);
  for (const auto& g : groups) {
    double log_c = 0;
    std::set<double> distinct_n;
    for (const auto* r : g) {
      log_c += std::log(r->flops);
      distinct_n.insert(r->params);
    }
    const double flops = std::exp(log_c / static_cast<double>(g.size()));
    if (distinct_n.size() < std::max<std::size_t>(o.min_runs, 3)) {
      result.skipped.push_back(fmt::format("C = {:.4g}: {} distinct N (first run at {}), need {}",
                                           flops, distinct_n.size(), g.front()->where,
                                           std::max<std::size_t>(o.min_runs, 3)));
      continue;
    }
    // Least squares loss = c0 + c1 x + c2 x², x = log N centred for conditioning.
    const std::size_t n = g.size();
    double mean_x = 0;
    for (const auto* r : g) mean_x += std::log(r->params) / static_cast<double>(n);
    Eigen::MatrixXd X(n, 3);
    Eigen::VectorXd y(n);
    double min_x = 1e300, max_x = -1e300;
    for (std::size_t i = 0; i < n; ++i) {
      const double x = std::log(g[i]->params) - mean_x;
      X(i, 0) = 1;
      X(i, 1) = x;
      X(i, 2) = x * x;
      y(i) = g[i]->loss;
      min_x = std::min(min_x, x);
      max_x = std::max(max_x, x);
    }
    const Eigen::Matrix3d xtx = X.transpose() * X;
    const Eigen::Vector3d coef = xtx.ldlt().solve(X.transpose() * y);
    if (!(coef(2) > 0)) {
      result.skipped.push_back(
          fmt::format("C = {:.4g}: no minimum, loss is not convex in log N (first run at {})",
                      flops, g.front()->where));
      continue;
    }
    const double x_opt = -coef(1) / (2 * coef(2));
    double se = std::nan("");
    if (n > 3) {
      const double rss = (y - X * coef).squaredNorm();
      const Eigen::Matrix3d cov = rss / static_cast<double>(n - 3) * xtx.inverse();
      const Eigen::Vector3d grad(0, -1 / (2 * coef(2)), coef(1) / (2 * coef(2) * coef(2)));
      se = std::sqrt(grad.dot(cov * grad));
    }
    IsoflopProfile p;
    p.flops = flops;
    p.n_runs = n;
    // Back from centred x to log N: c0 + c1 (L - m) + c2 (L - m)².
    p.c2 = coef(2);
    p.c1 = coef(1) - 2 * coef(2) * mean_x;
    p.c0 = coef(0) - coef(1) * mean_x + coef(2) * mean_x * mean_x;
    const double log_n_opt = x_opt + mean_x;
    p.params_opt.value = std::exp(log_n_opt);
    p.log_params_opt_se = se;
    if (std::isfinite(se))
      p.params_opt.interval = Interval{std::exp(log_n_opt - z * se), std::exp(log_n_opt + z * se)};
    p.tokens_opt = tokens_for_budget_6nd(flops, p.params_opt.value);
    p.min_loss = coef(0) + coef(1) * x_opt + coef(2) * x_opt * x_opt;
    p.extrapolated = x_opt < min_x || x_opt > max_x;
    result.profiles.push_back(p);
  }
  if (result.profiles.size() < 2) {
    std::string why;
    for (const auto& s : result.skipped) why += "; " + s;
    throw InputError(
        fmt::format("IsoFLOP fit needs 2 or more budgets with at least 3 distinct "
                    "N each and a convex profile, found {}{}",
                    result.profiles.size(), why));
  }
  std::vector<double> c, n_opt, d_opt, w;
  bool all_se = true;
  for (const auto& p : result.profiles) {
    c.push_back(p.flops);
    n_opt.push_back(p.params_opt.value);
    d_opt.push_back(p.tokens_opt);
    all_se = all_se && std::isfinite(p.log_params_opt_se) && p.log_params_opt_se > 0;
    w.push_back(all_se ? 1.0 / (p.log_params_opt_se * p.log_params_opt_se) : 1.0);
  }
  if (!all_se) w.clear();
  result.params_opt = fit_power_law(c, n_opt, w, o.level);
  result.tokens_opt = fit_power_law(c, d_opt, w, o.level);
  return result;
}

}  // namespace scalelab::fitting
