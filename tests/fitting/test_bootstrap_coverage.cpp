#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "fitting/bootstrap.hpp"
#include "synthetic.hpp"

using namespace scalelab;
using namespace scalelab::fitting;

TEST_CASE("bootstrap: percentile intervals") {
  std::vector<double> v;
  for (int i = 0; i <= 100; ++i) v.push_back(i);
  const Interval i = percentile_interval(v, 0.9);
  CHECK(i.lo == doctest::Approx(5));
  CHECK(i.hi == doctest::Approx(95));

  // NaN draws are left out (they would break the sort); an infinite one stays: unbounded.
  std::vector<double> w = v;
  w.insert(w.begin() + 50, 20, std::nan(""));
  const Interval j = percentile_interval(w, 0.9);
  CHECK(j.lo == doctest::Approx(5));
  CHECK(j.hi == doctest::Approx(95));
  std::vector<double> inf = {1, 2, 3, INFINITY};
  CHECK(percentile_interval(inf, 0.99).hi == INFINITY);
  std::vector<double> many_inf = {1, 2, 3, INFINITY, INFINITY, INFINITY};
  CHECK(percentile_interval(many_inf, 0.9).hi == INFINITY);  // not inf - inf = NaN
  CHECK(std::isnan(percentile_interval({std::nan(""), std::nan("")}, 0.9).lo));
}

TEST_CASE("bootstrap: 90% intervals cover the truth at about their nominal rate") {
  // 60 independent data sets from one law; for each, a fit and a 90% bootstrap interval of
  // alpha and E. Coverage should be near 0.9 (binomial sd 0.04 at 60 draws); 0.75 is a
  // failing undercoverage, not noise. Small bootstraps (100) keep this to seconds.
  const ChinchillaLaw truth{1.8, 400, 2000, 0.34, 0.37};
  const auto& law = find_law("chinchilla");
  FitOptions o;
  o.grid = {{6}, {7.6}, {0.6}, {0.35}, {0.37}};
  BootstrapOptions b;
  b.resamples = 100;
  b.level = 0.9;
  b.grid_starts = 0;
  constexpr int kDraws = 60;
  int covered_alpha = 0, covered_e = 0;
  for (int draw = 0; draw < kDraws; ++draw) {
    std::mt19937_64 rng(1000 + draw);
    const auto obs = testing::chinchilla_runs(truth, 8, 5, 0.01, rng);
    const FitResult fit = fit_law(law, obs, o);
    b.seed = draw;
    const BootstrapResult boot = bootstrap(law, fit, o, b);
    covered_alpha += boot.intervals[3].lo <= truth.alpha && truth.alpha <= boot.intervals[3].hi;
    covered_e += boot.intervals[2].lo <= truth.E && truth.E <= boot.intervals[2].hi;
  }
  MESSAGE("coverage alpha " << covered_alpha << "/" << kDraws << ", E " << covered_e << "/"
                            << kDraws);
  CHECK(covered_alpha >= 0.75 * kDraws);
  CHECK(covered_e >= 0.75 * kDraws);
  CHECK(covered_alpha < kDraws);  // intervals that always cover are too wide
}
