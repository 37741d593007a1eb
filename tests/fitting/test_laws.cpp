#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "fitting/bootstrap.hpp"
#include "fitting/parametric_fit.hpp"
#include "fitting/prediction.hpp"
#include "fitting/validate.hpp"
#include "lib/error.hpp"
#include "synthetic.hpp"
#include "tests/support/input_error.hpp"

using namespace scalelab;
using namespace scalelab::fitting;

using scalelab::testing::input_error_of;

namespace {

// A small grid keeps the tests fast; the full grid is exercised by the reference test.
FitOptions small_grid_options() {
  FitOptions o;
  o.grid = {{0, 10}, {0, 10}, {0, 1}, {0.25, 0.75}, {0.25, 0.75}};
  return o;
}

}  // namespace

TEST_CASE("chinchilla: recovers a known law within its bootstrap intervals") {
  const ChinchillaLaw truth{1.8, 400, 2000, 0.34, 0.37};
  std::mt19937_64 rng(3);
  const auto obs = testing::chinchilla_runs(truth, 10, 6, 0.01, rng);
  const auto& law = find_law("chinchilla");
  const FitOptions o = small_grid_options();
  const FitResult fit = fit_law(law, obs, o);
  REQUIRE(fit.converged);
  BootstrapOptions b;
  b.resamples = 200;
  b.seed = 5;
  const BootstrapResult boot = bootstrap(law, fit, o, b);
  CHECK(boot.failed == 0);
  const double values[] = {truth.A, truth.B, truth.E, truth.alpha, truth.beta};
  for (std::size_t i = 0; i < 5; ++i) {
    CAPTURE(fit.names[i]);
    CHECK(boot.intervals[i].lo <= values[i]);
    CHECK(values[i] <= boot.intervals[i].hi);
    CHECK(boot.intervals[i].lo < fit.values[i]);
    CHECK(fit.values[i] < boot.intervals[i].hi);
  }
  CHECK(fit.value("alpha") == doctest::Approx(0.34).epsilon(0.05));
  // The same seed gives the same intervals.
  const BootstrapResult again = bootstrap(law, fit, o, b);
  CHECK(again.intervals[3].lo == boot.intervals[3].lo);
  CHECK(again.intervals[3].hi == boot.intervals[3].hi);
}

TEST_CASE("chinchilla: fixed parameters stay fixed, dropped runs are the highest losses") {
  const ChinchillaLaw truth{1.8, 400, 2000, 0.34, 0.37};
  std::mt19937_64 rng(4);
  auto obs = testing::chinchilla_runs(truth, 8, 5, 0.005, rng);
  obs[3].loss = 50;  // an outlier
  FitOptions o = small_grid_options();
  o.drop_highest = 1;
  o.fixed = {{"alpha", 0.34}, {"E", 1.8}};
  const FitResult fit = fit_law(find_law("chinchilla"), obs, o);
  CHECK(fit.n_points == obs.size() - 1);
  CHECK(fit.n_dropped == 1);
  for (const auto& k : fit.kept) CHECK(k.loss < 50);
  CHECK(fit.value("alpha") == 0.34);
  CHECK(fit.value("E") == doctest::Approx(1.8).epsilon(1e-14));
  CHECK(fit.fixed[3]);
  CHECK(fit.value("beta") == doctest::Approx(0.37).epsilon(0.03));
  CHECK(input_error_of([&] {
          FitOptions bad = o;
          bad.fixed = {{"gamma", 1}};
          fit_law(find_law("chinchilla"), obs, bad);
        }).find("no parameter 'gamma'") != std::string::npos);
}

TEST_CASE("rejections: fewer runs than parameters, bad values, missing unique tokens") {
  const ChinchillaLaw truth{1.8, 400, 2000, 0.34, 0.37};
  std::mt19937_64 rng(5);
  std::vector<Observation> obs;  // 5 runs, 5 parameters
  for (int i = 0; i < 5; ++i)
    obs.push_back(testing::make_obs(1e8 * (i + 1), 2e9 * (5 - i), 3.0 - 0.1 * i, i));
  const std::string few = input_error_of([&] { fit_law(find_law("chinchilla"), obs, {}); });
  CHECK(few.find("synthetic:6: law chinchilla has 5 free parameters but only 5 runs") !=
        std::string::npos);
  auto bad = testing::chinchilla_runs(truth, 4, 3, 0.01, rng);
  bad[2].loss = std::nan("");
  CHECK(input_error_of([&] {
          fit_law(find_law("chinchilla"), bad, {});
        }).find("synthetic:4: loss must be finite and positive") != std::string::npos);
  bad[2].loss = 3;
  bad[1].params = -1;
  CHECK(input_error_of([&] {
          fit_law(find_law("kaplan"), bad, {});
        }).find("synthetic:3: N (params) must be finite and positive") != std::string::npos);
  bad[1].params = 1e8;
  CHECK(input_error_of([&] {
          fit_law(find_law("data-constrained"), bad, {});
        }).find("needs unique_tokens") != std::string::npos);
  CHECK(input_error_of([] { find_law("chinchila"); }).find("unknown law 'chinchila'") !=
        std::string::npos);
}

TEST_CASE("kaplan: recovers Kaplan et al.'s law from noiseless runs") {
  const KaplanLaw truth;  // N_c 8.8e13, D_c 5.4e13, α_N 0.076, α_D 0.095
  std::vector<Observation> obs;
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 5; ++j) {
      const double n = 1e6 * std::pow(10, i * 0.5), d = 1e8 * std::pow(10, j * 0.7);
      obs.push_back(testing::make_obs(n, d, truth.loss(n, d), int(obs.size())));
    }
  const FitResult fit = fit_law(find_law("kaplan"), obs, {});
  REQUIRE(fit.converged);
  CHECK(fit.objective < 1e-12);
  CHECK(fit.value("alpha_N") == doctest::Approx(0.076).epsilon(1e-3));
  CHECK(fit.value("alpha_D") == doctest::Approx(0.095).epsilon(1e-3));
  CHECK(fit.value("N_c") == doctest::Approx(8.8e13).epsilon(1e-2));
  CHECK(fit.value("D_c") == doctest::Approx(5.4e13).epsilon(1e-2));
}

TEST_CASE("one-variable laws: L(N), L(D), L(C) with an irreducible term") {
  for (const char* name : {"power-n", "power-d", "power-c"}) {
    CAPTURE(name);
    std::vector<Observation> obs;
    for (int i = 0; i < 12; ++i) {
      const double n = 1e7 * std::pow(10, i * 0.3), d = 20 * n;
      const double x = std::string(name) == "power-n"   ? n
                       : std::string(name) == "power-d" ? d
                                                        : 6 * n * d;
      const double loss = 1.7 + 300.0 * std::pow(x, -0.3);
      obs.push_back(testing::make_obs(n, d, loss, i));
    }
    const FitResult fit = fit_law(find_law(name), obs, {});
    REQUIRE(fit.converged);
    CHECK(fit.value("E") == doctest::Approx(1.7).epsilon(1e-4));
    CHECK(fit.value("alpha") == doctest::Approx(0.3).epsilon(1e-4));
    CHECK(fit.value("A") == doctest::Approx(300).epsilon(1e-3));
  }
}

TEST_CASE("data-constrained: recovers R*_D from runs that repeat data") {
  // Muennighoff et al.'s effective data with R*_D = 15.4; U_N = N here (N ≤ U_D/20).
  const ChinchillaLaw base{1.8, 400, 2000, 0.34, 0.37};
  const double rd_star = 15.4;
  std::vector<Observation> obs;
  for (int i = 0; i < 6; ++i)
    for (int epochs : {1, 2, 4, 8, 16, 40}) {
      const double n = 1e7 * std::pow(10, i * 0.4), u = 400 * n / 10, d = u * epochs;
      const double r_d = d / u - 1;
      const double d_eff = u + u * rd_star * (1 - std::exp(-r_d / rd_star));
      Observation o = testing::make_obs(n, d, base.loss(n, d_eff), int(obs.size()));
      o.unique_tokens = u;
      obs.push_back(o);
    }
  FitOptions opt;
  opt.fixed = {{"R_N_star", 5.3}};  // not identified here: every run has U_N = N
  const FitResult fit = fit_law(find_law("data-constrained"), obs, opt);
  REQUIRE(fit.converged);
  CHECK(fit.objective < 1e-10);
  CHECK(fit.value("R_D_star") == doctest::Approx(rd_star).epsilon(1e-2));
  CHECK(fit.value("beta") == doctest::Approx(0.37).epsilon(1e-2));
  // The numeric allocation (no closed form here) is a minimum of the loss along C = 6ND.
  const auto& dc = find_law("data-constrained");
  const double c = 1e22;
  const Allocation a = optimal_allocation(dc, fit.x, c);
  CHECK(6 * a.params * a.tokens == doctest::Approx(c));
  auto loss_at = [&](double n) { return dc.predict(fit.x, make_point(n, c / (6 * n), c)); };
  CHECK(loss_at(a.params) <= loss_at(a.params * 1.01));
  CHECK(loss_at(a.params) <= loss_at(a.params / 1.01));
}

TEST_CASE("predictions: intervals from bootstrap samples bracket the point estimate") {
  const auto& law = find_law("chinchilla");
  const std::vector<double> x = {std::log(406.4), std::log(410.7), std::log(1.69), 0.34, 0.28};
  std::vector<std::vector<double>> samples;
  for (int k = -5; k <= 5; ++k) samples.push_back({x[0], x[1], x[2], 0.34 + 0.002 * k, 0.28});
  const auto loss = predict_loss(law, x, samples, 0.9, 7e10, 1.4e12);
  CHECK(loss.loss.value == doctest::Approx(kHoffmann2022.loss(7e10, 1.4e12)));
  REQUIRE(loss.loss.interval);
  CHECK(loss.loss.interval->lo < loss.loss.value);
  CHECK(loss.loss.value < loss.loss.interval->hi);
  const auto alloc = predict_allocation(law, x, samples, 0.9, 5.76e23);
  const Allocation closed = kHoffmann2022.optimal_allocation(5.76e23);
  CHECK(alloc.params.value == doctest::Approx(closed.params));
  CHECK(alloc.tokens.value * alloc.params.value * 6 == doctest::Approx(5.76e23));
  REQUIRE(alloc.params.interval);
  CHECK(alloc.params.interval->lo < alloc.params.value);
  CHECK(input_error_of([&] {
          predict_allocation(find_law("power-n"), {0, 1, 0.3}, {}, 0.9, 1e20);
        }).find("cannot split a budget") != std::string::npos);
  CHECK(input_error_of([&] { predict_loss(law, x, {}, 0.9, -1, 1e9); }).find("--params") !=
        std::string::npos);
}

TEST_CASE("the loss at a budget: L(C) of power-c, the compute-optimal loss of a law of N and D") {
  // power-c, L = E + A/C^alpha with E = 1.5, A = 1e3, alpha = 0.15, at C = 1e20 by hand.
  const std::vector<double> xc = {std::log(1.5), std::log(1e3), 0.15};
  const double c = 1e20;
  const auto lc = predict_loss_at_budget(find_law("power-c"), xc, {}, 0.9, c);
  CHECK(lc.loss.value == doctest::Approx(1.5 + 1e3 * std::pow(c, -0.15)).epsilon(1e-12));
  CHECK_FALSE(lc.loss.interval);
  // A law of N and D: the loss of predict_allocation, intervals included.
  const auto& law = find_law("chinchilla");
  const std::vector<double> x = chinchilla_parameters(kHoffmann2022);
  std::vector<std::vector<double>> samples;
  for (int k = -5; k <= 5; ++k) samples.push_back({x[0], x[1], x[2], 0.34 + 0.002 * k, 0.28});
  const auto at_budget = predict_loss_at_budget(law, x, samples, 0.9, 5.76e23);
  const auto alloc = predict_allocation(law, x, samples, 0.9, 5.76e23);
  const Allocation closed = kHoffmann2022.optimal_allocation(5.76e23);
  CHECK(at_budget.loss.value == alloc.loss.value);
  CHECK(at_budget.loss.value ==
        doctest::Approx(kHoffmann2022.loss(closed.params, closed.tokens)).epsilon(1e-12));
  REQUIRE(at_budget.loss.interval);
  CHECK(at_budget.loss.interval->lo == alloc.loss.interval->lo);
  CHECK(input_error_of([&] {
          predict_loss_at_budget(find_law("power-n"), {0, 1, 0.3}, {}, 0.9, 1e20);
        }).find("no loss at a budget") != std::string::npos);
  CHECK(input_error_of([&] { predict_loss_at_budget(law, x, {}, 0.9, 0); }).find("--budget") !=
        std::string::npos);
}

TEST_CASE("validate: holding out the largest budget predicts it from the rest") {
  const ChinchillaLaw truth{1.8, 400, 2000, 0.34, 0.37};
  std::mt19937_64 rng(9);
  const auto obs = testing::chinchilla_runs(truth, 10, 6, 0.002, rng);
  HoldoutOptions o;
  o.fit = small_grid_options();
  const ValidationResult v = validate_holdout(find_law("chinchilla"), obs, o);
  REQUIRE_FALSE(v.held_out.empty());
  for (const auto& h : v.held_out) CHECK(h.run.flops >= v.threshold);
  CHECK(v.fit.n_points + v.held_out.size() == obs.size());
  CHECK(v.mean_abs_relative_error < 0.01);
  o.by = HoldoutOptions::By::kLargestParams;
  const ValidationResult by_n = validate_holdout(find_law("chinchilla"), obs, o);
  for (const auto& h : by_n.held_out) CHECK(h.run.params >= by_n.threshold);
}
