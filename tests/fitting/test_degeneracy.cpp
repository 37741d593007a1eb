// The degenerate-fit rule of fitting/degeneracy.hpp: each finding on hand-made fits, the
// fixture that broke the demo (../shared/data/demo_runs_fresh_avx2.csv), the refusal of a
// degenerate law by the predictions, and the verdict carried through the stored JSON.
#include <doctest/doctest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "fitting/chinchilla_objective.hpp"
#include "fitting/degeneracy.hpp"
#include "fitting/fit_report.hpp"
#include "fitting/prediction.hpp"
#include "lib/csv.hpp"
#include "tests/support/non_finite_text.hpp"

using namespace scalelab;
using namespace scalelab::fitting;

namespace {

// A chinchilla point estimate (a, b, e, alpha, beta on the fitted scale) judged sound by
// itself: Epoch's estimate, every start agreeing.
FitResult sound_fit() {
  const LawSpec& law = find_law("chinchilla");
  FitResult f;
  f.law = law.name;
  for (const auto& p : law.params) f.names.push_back(p.name);
  f.x = {std::log(482.0), std::log(2085.4), std::log(1.8169), 0.3478, 0.3659};
  f.values = law.reported(f.x);
  f.fixed.assign(5, false);
  f.at_bound.assign(5, false);
  f.objective = 1.0183e-3;
  f.n_starts = 4500;
  return f;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

bool prints_no_non_finite(const std::string& text) {
  return !scalelab::testing::prints_non_finite(text);
}

}  // namespace

TEST_CASE("degeneracy rule: a sound point estimate has no finding") {
  CHECK(point_degeneracy(find_law("chinchilla"), sound_fit()).empty());
  CHECK(degeneracy_reason({}).empty());
}

TEST_CASE("degeneracy rule 1: a parameter that is not finite") {
  FitResult f = sound_fit();
  f.x[kA] = 812.0;  // exp(812) overflows a double
  f.values = find_law("chinchilla").reported(f.x);
  REQUIRE(std::isinf(f.values[kA]));
  const auto findings = point_degeneracy(find_law("chinchilla"), f);
  REQUIRE(findings.size() == 1);
  CHECK(findings[0] == "A = e^812 is not finite (it overflows a double)");
  f.objective = std::nan("");
  CHECK(point_degeneracy(find_law("chinchilla"), f).size() == 2);
}

TEST_CASE("degeneracy rule 2: a parameter at or beyond its plausible range") {
  FitResult f = sound_fit();
  f.at_bound[kB] = true;
  const auto findings = point_degeneracy(find_law("chinchilla"), f);
  REQUIRE(findings.size() == 1);
  CHECK(has(findings[0], "B = 2085 is at or beyond its plausible range (at most 5.185e+21)"));
  f.fixed[kB] = true;  // the user's choice: exempt
  CHECK(point_degeneracy(find_law("chinchilla"), f).empty());
}

TEST_CASE("degeneracy rule 3: exponents outside [0.05, 2]") {
  const LawSpec& law = find_law("chinchilla");
  for (double alpha : {0.0, 0.049, 2.01, 1394.0}) {
    FitResult f = sound_fit();
    f.x[kAlpha] = f.values[kAlpha] = alpha;
    const auto findings = point_degeneracy(law, f);
    CAPTURE(alpha);
    REQUIRE(findings.size() == 1);
    CHECK(has(findings[0], "lies outside the sane exponent range [0.05, 2]"));
  }
  for (double alpha : {0.05, 0.076, 0.34, 2.0}) {
    FitResult f = sound_fit();
    f.x[kAlpha] = f.values[kAlpha] = alpha;
    CAPTURE(alpha);
    CHECK(point_degeneracy(law, f).empty());
  }
  FitResult fixed = sound_fit();
  fixed.x[kAlpha] = fixed.values[kAlpha] = 0.01;
  fixed.fixed[kAlpha] = true;
  CHECK(point_degeneracy(law, fixed).empty());
  // Every law's exponents carry the flag; coefficients do not.
  for (const auto& name : law_names())
    for (const auto& p : find_law(name).params)
      CHECK_MESSAGE(p.exponent == (p.name == "alpha" || p.name == "beta" || p.name == "alpha_N" ||
                                   p.name == "alpha_D"),
                    (name + " " + p.name));
  DegeneracyOptions wide;
  wide.exponent_max = 3;
  FitResult steep = sound_fit();
  steep.x[kBeta] = steep.values[kBeta] = 2.5;
  CHECK(point_degeneracy(law, steep, wide).empty());
}

TEST_CASE("degeneracy rule 4: ties at different parameters, unless switched off") {
  FitResult f = sound_fit();
  f.n_starts_disagreeing = 61;
  const auto findings = point_degeneracy(find_law("chinchilla"), f);
  REQUIRE(findings.size() == 1);
  CHECK(findings[0] ==
        "61 of 4500 starts tie the best objective at different parameters (the optimum is not "
        "identified)");
  DegeneracyOptions o;
  o.ties_are_degenerate = false;
  CHECK(point_degeneracy(find_law("chinchilla"), f, o).empty());
}

TEST_CASE("degeneracy rule 5: unbounded or at-a-bound bootstrap intervals, no refit") {
  const LawSpec& law = find_law("chinchilla");
  const FitResult f = sound_fit();
  BootstrapResult boot;
  boot.resamples = 100;
  boot.samples.assign(100, f.x);
  boot.intervals.assign(5, Interval{0.1, 0.5});
  boot.at_bound.assign(5, false);
  CHECK(bootstrap_degeneracy(law, f, boot).empty());
  boot.intervals[kA] = {2.9, HUGE_VAL};
  boot.at_bound[kAlpha] = true;
  const auto findings = bootstrap_degeneracy(law, f, boot);
  REQUIRE(findings.size() == 2);
  CHECK(findings[0] == "the 95% bootstrap interval of A is unbounded");
  CHECK(has(findings[1], "more than 2.5% of the bootstrap refits put alpha at or beyond"));
  boot.samples.clear();
  CHECK(bootstrap_degeneracy(law, f, boot) ==
        std::vector<std::string>{"none of the 100 bootstrap refits converged"});
  BootstrapResult none;  // --bootstrap 0: nothing to judge
  CHECK(bootstrap_degeneracy(law, f, none).empty());
}

TEST_CASE("the fixture that broke the demo is degenerate; its law is refused, its values shown") {
  const auto runs = read_observations_csv(SCALELAB_SHARED_DATA_DIR "/demo_runs_fresh_avx2.csv");
  FitRequest r;
  r.bootstrap.resamples = 50;
  r.bootstrap.seed = 3;
  const ParametricOutcome o = fit_parametric(runs, r);
  REQUIRE(o.degenerate);
  CHECK(o.point.degenerate);
  // On every kernel A runs past its plausible range and alpha far outside the sane one: the
  // generic and avx2 builds overflow A (alpha 1636 and 1394), the avx512 build stops at
  // A = 3.7e251, alpha = 62.
  CHECK((has(o.degenerate_reason, "A = e^") ||
         has(o.degenerate_reason, "is at or beyond its plausible range")));
  CHECK(has(o.degenerate_reason, "alpha = "));
  CHECK(has(o.degenerate_reason, "lies outside the sane exponent range [0.05, 2]"));
  CHECK(o.degenerate_reason.find('\n') == std::string::npos);
  CHECK(prints_no_non_finite(o.degenerate_reason));

  const FittedLaw law = o.fitted_law("Approach 3");
  try {
    predict_allocation(law, 2e12);
    FAIL("a degenerate law allocated");
  } catch (const DegenerateFitError& e) {
    CHECK(e.fit() == "Approach 3");
    CHECK(e.reason() == o.degenerate_reason);
    CHECK(std::string(e.what()).rfind("Approach 3 is degenerate and is not used", 0) == 0);
    CHECK(std::string(e.what()).find('\n') == std::string::npos);
  }
  CHECK_THROWS_AS(predict_loss(law, 3e4, 1e6), DegenerateFitError);
  CHECK_THROWS_AS(law.require_sound(), InputError);  // exit 2 where nobody catches it

  // The report can still show the values, marked: the JSON keeps them and the verdict.
  const nlohmann::json doc = to_json(o, r);
  CHECK(doc["degenerate"] == true);
  CHECK(doc["reason"] == o.degenerate_reason);
  CHECK(doc["params"]["beta"].get<double>() == doctest::Approx(0.463).epsilon(0.01));
  CHECK(doc["kernel"].is_string());
  const std::string dumped = doc.dump();
  // Non-finite is null (lib/output.hpp); where the kernel kept A finite it is past its range.
  CHECK((doc["params"]["A"].is_null() || doc["params"]["A"].get<double>() > 1e21));
  CHECK(prints_no_non_finite(dumped));
}

TEST_CASE("stored fits: the verdict survives storage; old documents are judged again") {
  const auto runs = read_observations_csv(SCALELAB_SHARED_DATA_DIR "/demo_runs_fresh_avx2.csv");
  FitRequest r;
  r.bootstrap.resamples = 20;
  const ParametricOutcome o = fit_parametric(runs, r);
  // Through text, as the database keeps it (A is null there where the kernel overflowed it).
  const auto stored = nlohmann::json::parse(to_stored_json(o, r).dump());
  const FittedLaw law = parse_stored_fit(stored, "fit 1 (chinchilla on fixture)");
  CHECK(law.degenerate);
  CHECK(law.degenerate_reason == o.degenerate_reason);
  CHECK_THROWS_WITH_AS(predict_allocation(law, 2e12),
                       doctest::Contains("fit 1 (chinchilla on fixture) is degenerate"),
                       DegenerateFitError);

  // Stored before the verdict existed: no "degenerate" key, A null, a null in one sample.
  nlohmann::json old = stored;
  old.erase("degenerate");
  old.erase("reason");
  old["params"]["A"] = nullptr;  // as the generic and avx2 kernels store it (A overflowed)
  old["bootstrap_samples"].push_back({nullptr, 191.0, 1.25, 0.4, 0.46});
  const FittedLaw again = parse_stored_fit(old, "fit 7 (chinchilla on old.csv)");
  CHECK(again.degenerate);
  CHECK(has(again.degenerate_reason, "A is not finite"));
  CHECK(has(again.degenerate_reason, "sane exponent range"));
  CHECK(again.samples.size() <= stored["bootstrap_samples"].size());  // the null one left out

  // A sound fit reads back sound, old or new.
  nlohmann::json sound = {
      {"law", "chinchilla"},
      {"params", {{"A", 482.0}, {"B", 2085.4}, {"E", 1.8169}, {"alpha", 0.3478}, {"beta", 0.3659}}},
      {"intervals", nlohmann::json::object()},
      {"level", 0.95},
      {"objective", 1.0183e-3},
      {"starts", {{"total", 4500}, {"disagreeing", 0}}},
      {"flags", {{"at_bound", nlohmann::json::array()}}},
      {"bootstrap", {{"resamples", 0}}}};
  const FittedLaw ok = parse_stored_fit(sound, "fit 2");
  CHECK_MESSAGE(!ok.degenerate, ok.degenerate_reason);
  CHECK(std::isfinite(predict_allocation(ok, 5.88e23).params.value));
  // Not a parametric fit: a one-line InputError, not a library message.
  CHECK_THROWS_WITH_AS(parse_stored_fit(nlohmann::json{{"law", "isoflop"}}, "fit 3"),
                       doctest::Contains("fit 3: a 'isoflop' fit has no parametric law"),
                       InputError);
  nlohmann::json missing = sound;
  missing["params"].erase("beta");
  CHECK_THROWS_WITH_AS(
      parse_stored_fit(missing, "fit 4"),
      doctest::Contains("fit 4: the stored 'chinchilla' fit has no parameter beta"), InputError);
}

TEST_CASE("predictions from bare parameters refuse a non-finite point value") {
  const LawSpec& law = find_law("chinchilla");
  // A = e^812: the closed-form allocation has no finite answer.
  const std::vector<double> x = {812.0, std::log(191.0), std::log(1.25), 1394.0, 0.463};
  CHECK_THROWS_WITH_AS(predict_allocation(law, x, {}, 0.95, 2e12), doctest::Contains("non-finite"),
                       InputError);
}
