#include "fitting/power_law_regression.hpp"

#include <fmt/format.h>

#include <boost/math/distributions/students_t.hpp>
#include <cmath>

#include "lib/error.hpp"

namespace scalelab::fitting {

double PowerLawFit::at(double flops) const { return coefficient * std::pow(flops, exponent); }

double t_quantile(double level, double dof) {
  boost::math::students_t dist(dof);
  return boost::math::quantile(dist, 0.5 + level / 2.0);
}

PowerLawFit fit_power_law(const std::vector<double>& flops, const std::vector<double>& y,
                          const std::vector<double>& weights, double level) {
  const std::size_t n = flops.size();
  if (n < 2 || y.size() != n)
    throw InputError(fmt::format("a power law in C needs at least 2 points, got {}", n));
  double sw = 0, sx = 0, sy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double w = weights.empty() ? 1.0 : weights[i];
    sw += w;
    sx += w * std::log(flops[i]);
    sy += w * std::log(y[i]);
  }
  const double mx = sx / sw, my = sy / sw;
  double sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double w = weights.empty() ? 1.0 : weights[i];
    const double dx = std::log(flops[i]) - mx;
    sxx += w * dx * dx;
    sxy += w * dx * (std::log(y[i]) - my);
  }
  if (!(sxx > 0)) throw InputError("a power law in C needs at least 2 distinct compute budgets");
  PowerLawFit fit;
  fit.n_points = n;
  fit.exponent = sxy / sxx;
  const double intercept = my - fit.exponent * mx;
  fit.coefficient = std::exp(intercept);
  const double nan = std::nan("");
  fit.exponent_interval = fit.coefficient_interval = {nan, nan};
  if (n >= 3) {
    double rss = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double w = weights.empty() ? 1.0 : weights[i];
      const double e = std::log(y[i]) - intercept - fit.exponent * std::log(flops[i]);
      rss += w * e * e;
    }
    const double sigma2 = rss / static_cast<double>(n - 2);
    const double se_slope = std::sqrt(sigma2 / sxx);
    const double se_intercept = std::sqrt(sigma2 * (1.0 / sw + mx * mx / sxx));
    const double t = t_quantile(level, static_cast<double>(n - 2));
    fit.exponent_interval = {fit.exponent - t * se_slope, fit.exponent + t * se_slope};
    fit.coefficient_interval = {std::exp(intercept - t * se_intercept),
                                std::exp(intercept + t * se_intercept)};
  }
  return fit;
}

}  // namespace scalelab::fitting
