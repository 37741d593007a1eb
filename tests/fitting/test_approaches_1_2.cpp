#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "fitting/envelope.hpp"
#include "fitting/isoflop.hpp"
#include "lib/error.hpp"
#include "synthetic.hpp"
#include "tests/support/input_error.hpp"

using namespace scalelab;
using namespace scalelab::fitting;

using scalelab::testing::input_error_of;

namespace {

// A planned IsoFLOP sweep: per budget, 9 model sizes around the optimum of `law`.
std::vector<Observation> isoflop_sweep(const ChinchillaLaw& law, double jitter, double sigma) {
  std::mt19937_64 rng(21);
  std::normal_distribution<double> noise(0, sigma);
  std::uniform_real_distribution<double> wiggle(-jitter, jitter);
  std::vector<Observation> out;
  for (double c : {1e18, 3e18, 1e19, 3e19, 1e20, 3e20}) {
    const double n_opt = law.optimal_allocation(c).params;
    for (int k = -4; k <= 4; ++k) {
      const double n = n_opt * std::pow(10, k * 0.15);
      const double cc = c * (1 + wiggle(rng));
      const double d = cc / (6 * n);
      out.push_back(
          testing::make_obs(n, d, law.loss(n, d) * std::exp(noise(rng)), int(out.size())));
    }
  }
  return out;
}

}  // namespace

TEST_CASE("isoflop: exact budgets recover N_opt ∝ C^(β/(α+β))") {
  const ChinchillaLaw law{1.8, 400, 2000, 0.34, 0.37};
  const auto runs = isoflop_sweep(law, 0, 0.0);
  const IsoflopResult r = fit_isoflop(runs);
  REQUIRE(r.profiles.size() == 6);
  // A parabola in log N only approximates the profile, so the exponent is close, not exact.
  CHECK(r.params_opt.exponent == doctest::Approx(0.37 / 0.71).epsilon(0.02));
  CHECK(r.tokens_opt.exponent == doctest::Approx(1 - r.params_opt.exponent).epsilon(1e-9));
  CHECK(r.profiles[0].params_opt.value ==
        doctest::Approx(law.optimal_allocation(1e18).params).epsilon(0.1));
  for (const auto& p : r.profiles) CHECK_FALSE(p.extrapolated);
}

TEST_CASE("isoflop: noisy imported budgets need log bins, and give intervals") {
  const ChinchillaLaw law{1.8, 400, 2000, 0.34, 0.37};
  const auto runs = isoflop_sweep(law, 0.05, 0.003);
  IsoflopOptions exact;  // every run is its own budget: nothing usable
  CHECK(input_error_of([&] { fit_isoflop(runs, exact); }).find("at least 3 distinct N") !=
        std::string::npos);
  IsoflopOptions bins;
  bins.grouping = IsoflopOptions::Grouping::kLogBins;
  bins.bins_per_decade = 4;
  const IsoflopResult r = fit_isoflop(runs, bins);
  CHECK(r.profiles.size() >= 4);
  CHECK(r.params_opt.exponent_interval.lo < r.params_opt.exponent);
  CHECK(r.params_opt.exponent < r.params_opt.exponent_interval.hi);
  CHECK(r.params_opt.exponent == doctest::Approx(0.37 / 0.71).epsilon(0.1));
  for (const auto& p : r.profiles) REQUIRE(p.params_opt.interval);
}

TEST_CASE("isoflop: a single budget is rejected with file:line") {
  const ChinchillaLaw law{1.8, 400, 2000, 0.34, 0.37};
  auto runs = isoflop_sweep(law, 0, 0);
  runs.resize(9);  // the first budget only
  const std::string message = input_error_of([&] { fit_isoflop(runs); });
  CHECK(message.find("synthetic:2: IsoFLOP fit needs runs at 2 or more compute budgets") !=
        std::string::npos);
}

TEST_CASE("envelope: the lowest loss per compute bin follows the compute-optimal frontier") {
  const ChinchillaLaw law{1.8, 400, 2000, 0.34, 0.37};
  // Training curves of 30 model sizes, each logged at 60 points.
  std::vector<Observation> points;
  for (int i = 0; i < 30; ++i) {
    const double n = 1e7 * std::pow(10, i * 0.1);
    for (int s = 1; s <= 60; ++s) {
      const double d = n * 0.5 * std::pow(1.12, s);
      Observation o = testing::make_obs(n, d, law.loss(n, d), int(points.size()));
      o.run_id = std::to_string(i);
      o.step = s;
      points.push_back(o);
    }
  }
  const EnvelopeResult r = fit_envelope(points);
  REQUIRE(r.points.size() >= 10);
  CHECK(r.params_opt.exponent == doctest::Approx(0.37 / 0.71).epsilon(0.1));
  CHECK(r.params_opt.exponent + r.tokens_opt.exponent == doctest::Approx(1).epsilon(0.02));
  std::vector<Observation> one = {points[0]};
  CHECK(input_error_of([&] { fit_envelope(one); }).find("2 or more compute bins") !=
        std::string::npos);
}
