// The reference result of /work/shared/data/README.md: Chinchilla's Figure 4 runs as extracted
// by Epoch AI, the 5 highest losses dropped, the full 4,500-start grid.
#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "fitting/fit_report.hpp"
#include "fitting/parametric_fit.hpp"
#include "synthetic.hpp"

using namespace scalelab;
using namespace scalelab::fitting;

TEST_CASE("Approach 3 on chinchilla_fig4_epoch.csv reproduces Besiroglu et al. 2024") {
  const auto obs = read_observations_csv(SCALELAB_SHARED_DATA_DIR "/chinchilla_fig4_epoch.csv");
  FitOptions o;
  o.drop_highest = 5;
  const FitResult fit = fit_law(find_law("chinchilla"), obs, o);
  CHECK(fit.n_points == 240);
  CHECK(fit.n_starts == 4500);
  CHECK(fit.converged);
  // The SciPy L-BFGS-B peer reaches 1.0182740918e-3 (bench/fit_scipy_peer.py); ours must be
  // no higher.
  CHECK(fit.objective <= 1.0182741e-3);
  CHECK(std::fabs(fit.value("E") - 1.8172) <= 0.002);
  CHECK(std::fabs(fit.value("alpha") - 0.3473) <= 0.002);
  CHECK(std::fabs(fit.value("beta") - 0.3672) <= 0.002);
  CHECK(fit.value("A") == doctest::Approx(477.8).epsilon(0.01));
  CHECK(fit.value("B") == doctest::Approx(2143.9).epsilon(0.01));
  CHECK(fit.n_starts_disagreeing == 0);
  // A well-posed fit (fitting/degeneracy.hpp): nothing at a bound, exponents in [0.05, 2].
  CHECK_MESSAGE(!fit.degenerate, fit.degenerate_reason);
  CHECK(fit.degenerate_reason.empty());
  CHECK(!fit.kernel.empty());
}

TEST_CASE("Approach 3 on chinchilla_fig4_epoch.csv with its bootstrap is not degenerate") {
  const auto obs = read_observations_csv(SCALELAB_SHARED_DATA_DIR "/chinchilla_fig4_epoch.csv");
  FitRequest r;
  r.fit.drop_highest = 5;
  r.bootstrap.resamples = 100;  // enough to see an unbounded or at-a-bound interval
  r.bootstrap.seed = 1;
  const ParametricOutcome o = fit_parametric(obs, r);
  CHECK_MESSAGE(!o.degenerate, o.degenerate_reason);
  CHECK(o.bootstrap.samples.size() >= 95);
  for (const auto& i : o.bootstrap.intervals) CHECK((std::isfinite(i.lo) && std::isfinite(i.hi)));
  // Its law predicts: a sound FittedLaw passes require_sound.
  const FittedLaw law = o.fitted_law("Approach 3");
  CHECK_NOTHROW(law.require_sound());
  const auto a = predict_allocation(law, 5.88e23);
  CHECK(std::isfinite(a.params.value));
  REQUIRE(a.params.interval);
  CHECK(std::isfinite(a.params.interval->hi));
}

namespace {

// The full grid with screening (the default) against every start run to the full tolerances.
void check_screening_finds_the_one_stage_optimum(const std::vector<Observation>& obs,
                                                 int drop_highest) {
  FitOptions two_stage;
  two_stage.drop_highest = drop_highest;
  FitOptions one_stage = two_stage;
  one_stage.lbfgs.screening_tolerance_factor = 1;  // every start to the full tolerances
  REQUIRE(two_stage.lbfgs.screening_tolerance_factor > 1);
  const FitResult a = fit_law(find_law("chinchilla"), obs, two_stage);
  const FitResult b = fit_law(find_law("chinchilla"), obs, one_stage);
  CHECK(a.converged);
  CHECK(a.objective == doctest::Approx(b.objective).epsilon(1e-11));
  for (std::size_t i = 0; i < a.values.size(); ++i)
    CHECK_MESSAGE(a.values[i] == doctest::Approx(b.values[i]).epsilon(1e-6), a.names[i]);
}

}  // namespace

TEST_CASE("Screening the grid with loose tolerances, then polishing, finds the same optimum") {
  const auto obs = read_observations_csv(SCALELAB_SHARED_DATA_DIR "/chinchilla_fig4_epoch.csv");
  SUBCASE("reference data, 5 highest dropped") {
    check_screening_finds_the_one_stage_optimum(obs, 5);
  }
  SUBCASE("reference data, nothing dropped") {
    check_screening_finds_the_one_stage_optimum(obs, 0);
  }
  SUBCASE("a synthetic sweep the earlier rule (screening at 1e8, polish within 1e-3) missed") {
    // Data set 44 of bench/fit_screening_check --seed 5000: the first start that reaches the
    // optimum ranks 7th when screened, 3.3e-3 above the best screened end point; that rule
    // returned E = 0, alpha = 0.05 (objective 3.4e-4 higher) instead of E = 2.57, alpha = 0.54.
    std::mt19937_64 rng(5044);
    std::uniform_real_distribution<double> u(0, 1);
    ChinchillaLaw truth;
    truth.E = 1.5 + u(rng);
    truth.A = 200 + 600 * u(rng);
    truth.B = 500 + 3000 * u(rng);
    truth.alpha = 0.25 + 0.2 * u(rng);
    truth.beta = 0.25 + 0.2 * u(rng);
    const double sigma = 0.01 + 0.03 * u(rng);
    check_screening_finds_the_one_stage_optimum(testing::chinchilla_runs(truth, 8, 3, sigma, rng),
                                                0);
  }
  SUBCASE("noisy synthetic runs (flat valleys)") {
    std::mt19937_64 rng(7);
    const ChinchillaLaw truth{1.7, 400, 1500, 0.3, 0.3};
    check_screening_finds_the_one_stage_optimum(testing::chinchilla_runs(truth, 5, 4, 0.03, rng),
                                                0);
  }
}
