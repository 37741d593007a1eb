#include "fitting/bootstrap.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "lib/error.hpp"

namespace scalelab::fitting {

Interval percentile_interval(std::vector<double> v, double level) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return std::isnan(x); }), v.end());
  if (v.empty()) return {std::nan(""), std::nan("")};
  std::sort(v.begin(), v.end());
  auto q = [&](double p) {
    const double h = p * static_cast<double>(v.size() - 1);
    const std::size_t lo = static_cast<std::size_t>(std::floor(h));
    const std::size_t hi = std::min(lo + 1, v.size() - 1);
    const double frac = h - static_cast<double>(lo);
    if (v[hi] == v[lo]) return v[lo];
    // Interpolating towards an infinite neighbour would give inf - inf = NaN: take the nearer.
    if (std::isinf(v[lo]) || std::isinf(v[hi])) return frac < 0.5 ? v[lo] : v[hi];
    return v[lo] + frac * (v[hi] - v[lo]);
  };
  const double tail = (1.0 - level) / 2.0;
  return {q(tail), q(1.0 - tail)};
}

namespace {

// SplitMix64: decorrelates the per-resample seeds derived from (seed, i).
std::uint64_t mix(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

BootstrapResult bootstrap(const LawSpec& law, const FitResult& point, const FitOptions& options,
                          const BootstrapOptions& boot) {
  if (boot.resamples < 0)
    throw InputError(fmt::format("--bootstrap: must be >= 0, got {}", boot.resamples));
  if (!(boot.level > 0 && boot.level < 1))
    throw InputError(fmt::format("--level: must be in (0, 1), got {}", boot.level));
  if (boot.grid_starts < 0)
    throw InputError(fmt::format("bootstrap grid starts must be >= 0, got {}", boot.grid_starts));

  // Runs: groups of observation indices sharing a run key.
  std::map<std::string, std::vector<std::size_t>> by_run;
  for (std::size_t i = 0; i < point.kept.size(); ++i) by_run[run_key(point.kept[i])].push_back(i);
  std::vector<std::vector<std::size_t>> runs;
  for (auto& [key, idx] : by_run) runs.push_back(std::move(idx));

  const auto fixed = fixed_parameters(law, options);
  const auto& axes = options.grid.empty() ? law.grid : options.grid;
  const auto grid = grid_product(axes);
  FitOptions refit = options;
  refit.lbfgs.threads = 1;  // parallel over resamples instead
  // A refit has a handful of starts: screening them with loose tolerances would save nothing.
  refit.lbfgs.screening_tolerance_factor = 1;

  BootstrapResult result;
  result.resamples = boot.resamples;
  result.level = boot.level;
  std::vector<std::vector<double>> samples(static_cast<std::size_t>(boot.resamples));
  std::vector<char> ok(samples.size(), 0);
  parallel_for(samples.size(), boot.threads, [&](std::size_t r) {
    std::mt19937_64 rng(mix(boot.seed ^ mix(r + 1)));
    std::uniform_int_distribution<std::size_t> pick_run(0, runs.size() - 1);
    std::uniform_int_distribution<std::size_t> pick_start(0, grid.size() - 1);
    std::vector<Observation> sample;
    sample.reserve(point.kept.size());
    for (std::size_t k = 0; k < runs.size(); ++k)
      for (std::size_t i : runs[pick_run(rng)]) sample.push_back(point.kept[i]);
    std::vector<std::vector<double>> starts{point.x};
    for (int k = 0; k < boot.grid_starts; ++k) starts.push_back(grid[pick_start(rng)]);
    const FitResult fit = fit_law_from(law, sample, starts, fixed, refit);
    if (fit.converged && std::isfinite(fit.objective)) {
      samples[r] = fit.x;
      ok[r] = 1;
    }
  });
  for (std::size_t r = 0; r < samples.size(); ++r) {
    if (ok[r])
      result.samples.push_back(std::move(samples[r]));
    else
      ++result.failed;
  }
  const std::size_t dim = law.params.size();
  for (std::size_t p = 0; p < dim; ++p) {
    std::vector<double> values;
    std::size_t beyond = 0;
    const auto& spec = law.params[p];
    for (const auto& s : result.samples) {
      const double v = spec.log_scale ? std::exp(s[p]) : s[p];
      values.push_back(v);
      if ((spec.lower && v <= *spec.lower) || (spec.upper && v >= *spec.upper)) ++beyond;
    }
    result.intervals.push_back(percentile_interval(values, boot.level));
    result.at_bound.push_back(!values.empty() && beyond > values.size() / 40);
  }
  return result;
}

}  // namespace scalelab::fitting
