// The study's decisions (study/study.hpp): which fits run on which numbers, what the notes say,
// and the target check.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cmath>
#include <sstream>

#include "lib/error.hpp"
#include "lib/observation.hpp"
#include "lib/scaling_law.hpp"
#include "lib/shape_search.hpp"
#include "plots/report.hpp"
#include "study/report.hpp"
#include "study/study.hpp"
#include "study/study_json.hpp"
#include "study/summary.hpp"
#include "study/target.hpp"
#include "study/trust.hpp"
#include "tests/support/non_finite_text.hpp"

using namespace scalelab;

namespace {

// An IsoFLOP sweep drawn from Besiroglu et al.'s law with a small deterministic wiggle,
// planned at `budgets` (5 sizes each, N_opt/4 .. 4 N_opt).
study::RunSet law_sweep(const std::vector<double>& budgets) {
  study::RunSet set;
  set.source = "test sweep";
  set.planned_budgets = true;
  int k = 0;
  for (double c : budgets) {
    const double n_opt = kEpoch2024.optimal_allocation(c).params;
    for (double f : {0.25, 0.5, 1.0, 2.0, 4.0}) {
      study::StudyRun r;
      r.name = fmt::format("r{}", k);
      r.status = "done";
      r.params = n_opt * f;
      r.non_embedding_params = 0.8 * r.params;
      r.planned_tokens = r.trained_tokens = c / (6 * r.params);
      r.flops = c;
      r.budget = c;
      r.loss = study::RunLoss{
          kEpoch2024.loss(r.params, r.planned_tokens) * (1 + 0.003 * std::sin(1.7 * ++k)),
          study::LossKind::kEval,
          {},
          {},
          {}};
      r.where = fmt::format("run {}", r.name);
      set.runs.push_back(r);
    }
  }
  return set;
}

study::StudyOptions quick_options() {
  study::StudyOptions o;
  o.bootstrap = 30;
  o.threads = 1;
  return o;
}

}  // namespace

TEST_CASE("four budgets: Approaches 2 and 3, L(C) through the minima, validation, the target") {
  study::StudyOptions o = quick_options();
  o.target_budget = 4 * 8e19;
  const study::Study s = study::run_study(law_sweep({1e19, 2e19, 4e19, 8e19}), o);
  REQUIRE(s.chinchilla);
  REQUIRE(s.isoflop);
  CHECK(s.isoflop->profiles.size() == 4);
  CHECK(s.isoflop_options.grouping == fitting::IsoflopOptions::Grouping::kExact);
  CHECK(s.loss_compute);
  CHECK(s.loss_compute_target);
  CHECK(s.validation);
  REQUIRE(s.target);
  // The law the runs were drawn from allocates about this much at the target.
  const auto truth = kEpoch2024.optimal_allocation(3.2e20);
  CHECK(s.target->params.value == doctest::Approx(truth.params).epsilon(0.25));
  CHECK(s.chinchilla->point.value("alpha") > 0.1);
  CHECK(s.notes.empty());
}

TEST_CASE("three budgets: no L(C), and the note says why") {
  const study::Study s = study::run_study(law_sweep({1e19, 3e19, 9e19}), quick_options());
  CHECK(s.isoflop);
  CHECK_FALSE(s.loss_compute);
  REQUIRE(s.notes.size() == 1);
  CHECK(s.notes[0].find("needs 4 or more IsoFLOP minima, the data has 3") != std::string::npos);
  CHECK(s.target_budget == doctest::Approx(10 * 9e19));  // default: 10x the largest C
}

TEST_CASE("the N the fits take: the option, else the plan's count; IsoFLOP grouping follows") {
  study::RunSet set = law_sweep({1e19, 2e19, 4e19});
  study::StudyOptions o = quick_options();
  o.validate = false;
  o.param_count = study::ParamCount::kNonEmbedding;
  const study::Study ne = study::run_study(set, o);
  CHECK(ne.param_count == study::ParamCount::kNonEmbedding);
  CHECK(ne.observations[0].params == doctest::Approx(0.8 * set.runs[0].params));
  // Planned in total parameters, counted otherwise: budgets are binned, not taken as planned.
  CHECK(ne.isoflop_options.grouping == fitting::IsoflopOptions::Grouping::kLogBins);
  set.planned_count = study::ParamCount::kNonEmbedding;
  o.param_count.reset();
  CHECK(study::run_study(set, o).param_count == study::ParamCount::kNonEmbedding);
}

TEST_CASE("runs that are not fitted and extrapolated losses are noted") {
  study::RunSet set = law_sweep({1e19, 2e19, 4e19});
  set.runs[0].loss.reset();
  set.runs[0].excluded = "status diverged";
  set.runs[1].loss->kind = study::LossKind::kExtrapolated;
  set.runs[1].trained_tokens = 0.3 * set.runs[1].planned_tokens;
  study::StudyOptions o = quick_options();
  o.validate = false;
  const study::Study s = study::run_study(set, o);
  CHECK(s.observations.size() == 14);
  bool diverged = false, extrapolated = false;
  for (const auto& n : s.notes) {
    diverged = diverged || n == "run r0 not fitted: status diverged";
    extrapolated = extrapolated || n.find("1 of the 14 fitted runs were stopped early") == 0;
  }
  CHECK(diverged);
  CHECK(extrapolated);
}

TEST_CASE("target check: Approach 3's loss at the (N, D) the run trained") {
  study::StudyOptions o = quick_options();
  o.validate = false;
  const study::Study s = study::run_study(law_sweep({1e19, 2e19, 4e19, 8e19}), o);
  study::StudyRun run;
  run.name = "target";
  run.params = s.target->params.value * 1.3;  // a concrete shape near N_opt
  run.planned_tokens = run.trained_tokens = 3.2e20 / (6 * run.params);
  run.flops = 3.2e20;
  const double truth = kEpoch2024.loss(run.params, run.planned_tokens);
  run.loss = study::RunLoss{truth, study::LossKind::kEval, {}, {}, {}};
  const study::TargetCheck c = study::check_target(s, run);
  CHECK(c.method == "Approach 3");
  CHECK(c.params == run.params);
  CHECK(c.observed == truth);
  CHECK(std::abs(c.relative_error) < 0.01);
  CHECK(c.relative_error == doctest::Approx((c.predicted.value - truth) / truth));
  REQUIRE(c.predicted.interval);
  run.loss.reset();
  run.excluded = "status failed";
  CHECK_THROWS_WITH_AS(study::check_target(s, run), doctest::Contains("status failed"), InputError);
}

TEST_CASE("bad input: no fitted run; an unknown figure kind") {
  study::RunSet set = law_sweep({1e19});
  for (auto& r : set.runs) r.loss.reset();
  CHECK_THROWS_WITH_AS(study::run_study(set, quick_options()), doctest::Contains("no runs"),
                       InputError);
  study::StudyOptions o = quick_options();
  o.kinds = {"pie"};
  CHECK_THROWS_WITH_AS(study::run_study(law_sweep({1e19}), o), doctest::Contains("unknown kind"),
                       InputError);
}

TEST_CASE("the target run: Approach 3 on a concrete shape, else Approach 2, else the ratio rule") {
  study::StudyOptions o = quick_options();
  o.validate = false;
  const std::vector<double> budgets = {1e19, 2e19, 4e19, 8e19};
  study::Study s = study::run_study(law_sweep(budgets), o);
  ShapeSearchOptions shapes;
  shapes.vocab_size = 32000;
  shapes.seq_len = 2048;
  const double c = 3.2e20;
  const study::TargetChoice a3 = study::choose_target(s, c, shapes);
  CHECK(a3.method == "Approach 3");
  CHECK(a3.fallback.empty());
  CHECK(a3.params == doctest::Approx(a3.n_opt).epsilon(0.5));  // within 2^(±1) of N_opt
  CHECK(a3.tokens == doctest::Approx(c / (6 * a3.params)));

  // A degenerate Approach 3 (here: a parameter at a bound, judged by fitting/degeneracy.hpp)
  // falls back to Approach 2 ...
  s.chinchilla->point.at_bound[1] = true;
  fitting::judge_degeneracy(*s.chinchilla);
  CHECK(study::approach3_problem(s).find("Approach 3 is degenerate: B = ") == 0);
  CHECK(study::approach3_problem(s).find("at or beyond its plausible range") != std::string::npos);
  const study::TargetChoice a2 = study::choose_target(s, c, shapes);
  CHECK(a2.method == "Approach 2");
  CHECK(a2.fallback.find("at or beyond its plausible range") != std::string::npos);
  CHECK(a2.n_opt == doctest::Approx(s.isoflop->params_opt.at(c)));
  // ... and without IsoFLOP profiles to the ratio rule.
  s.isoflop.reset();
  const study::TargetChoice r = study::choose_target(s, c, shapes, 20);
  CHECK(r.method == "ratio rule (20 tokens per parameter)");
  CHECK(r.n_opt == doctest::Approx(std::sqrt(c / 120)));
  CHECK(r.fallback.find("no Approach-2 fit") != std::string::npos);
}

TEST_CASE("trust checks: a clean study meets them; each failing one says what it found") {
  std::vector<double> budgets;
  for (int k = 0; k < 4; ++k) budgets.push_back(1e19 * std::pow(10.0, k / 3.0));
  study::RunSet set = law_sweep(budgets);
  for (auto& r : set.runs) r.steps = 1000;
  study::StudyOptions o = quick_options();
  o.bootstrap = 100;
  const study::Study s = study::run_study(set, o);
  for (const auto& c : study::trust_checks(s)) {
    INFO(c.name << ": " << c.value);
    CHECK(c.met);
  }
  study::TrustOptions strict;
  strict.exponent_max = 0.3;  // the law's alpha is 0.35
  strict.min_steps = 2000;
  strict.min_budgets = 5;
  int failed = 0;
  for (const auto& c : study::trust_checks(s, strict)) failed += c.met ? 0 : 1;
  CHECK(failed == 4);  // alpha, beta, steps, budgets
  const auto words = study::trust_paragraphs(s);
  REQUIRE(words.size() >= 4);
  CHECK(words[0].find("1.00 decades") != std::string::npos);
  CHECK(words[1].find("Hoffmann et al. 2022") != std::string::npos);
}

TEST_CASE(
    "the degenerate fixture: Approach 3 shown, marked by fitting's rule, never allocated from") {
  // ../shared/data/demo_runs_fresh_avx2.csv: the 13 runs whose fit broke the demo (issue 17).
  const auto runs = read_observations_csv(SCALELAB_SHARED_DATA_DIR "/demo_runs_fresh_avx2.csv");
  study::StudyOptions o = quick_options();
  o.target_budget = 2e12;
  const study::Study s =
      study::run_study(study::run_set_from_observations(runs, "demo_runs_fresh_avx2.csv"), o);
  REQUIRE(s.chinchilla);
  CHECK(s.chinchilla->degenerate);
  CHECK_FALSE(s.target);  // no allocation from a degenerate law
  const std::string problem = study::approach3_problem(s);
  CHECK(problem == "Approach 3 is degenerate: " + s.chinchilla->degenerate_reason);
  CHECK(problem.find("lies outside the sane exponent range [0.05, 2]") != std::string::npos);

  ShapeSearchOptions shapes;
  shapes.vocab_size = 256;
  shapes.seq_len = 128;
  const study::TargetChoice t = study::choose_target(s, 2e12, shapes);
  CHECK(t.method != "Approach 3");
  CHECK(t.fallback.find("Approach 3 is degenerate") == 0);
  CHECK((std::isfinite(t.params) && t.params > 0 && std::isfinite(t.tokens) && t.tokens > 0));

  const auto doc = study::study_json(s);
  REQUIRE(doc["fits"].size() >= 1);
  CHECK(doc["fits"][0]["approach"] == "3");
  CHECK(doc["fits"][0]["degenerate"] == true);
  CHECK(doc["fits"][0]["reason"] == problem);
  std::ostringstream summary;
  study::print_study_summary(summary, s);
  INFO(summary.str());
  CHECK(summary.str().find("none from Approach 3 (Approach 3 is degenerate: ") !=
        std::string::npos);
  for (const std::string& text : {summary.str(), doc.dump()})
    CHECK_MESSAGE(!scalelab::testing::prints_non_finite(text), text);
}

// The runs of the README's main job as it ran on a fresh AVX2 machine before the redesign
// (issue 17): Approach 3 went to alpha = 1394 with A = inf. The study must flag that, fall back
// when choosing the 4x run, and end with a report and summary that say so in words, never
// printing inf or nan.
TEST_CASE("the fresh-machine fixture: a degenerate Approach 3 ends in a fallback and a statement") {
  const auto obs = read_observations_csv(SCALELAB_SHARED_DATA_DIR "/demo_runs_fresh_avx2.csv");
  REQUIRE(obs.size() == 13);
  study::StudyOptions o;
  o.bootstrap = 100;
  o.target_budget = 2e12;
  study::Study s =
      study::run_study(study::run_set_from_observations(obs, "demo_runs_fresh_avx2.csv"), o);
  const std::string problem = study::approach3_problem(s);
  INFO(problem);
  CHECK_FALSE(problem.empty());

  const study::TargetChoice t = study::choose_target(s, 2e12, ShapeSearchOptions{}, 20);
  INFO(t.fallback);
  CHECK(t.method != "Approach 3");
  CHECK_FALSE(t.fallback.empty());
  CHECK(std::isfinite(t.params));
  CHECK(t.params > 0);
  CHECK(std::isfinite(t.tokens));
  s.target_problem = study::prediction_problem(s);

  bool degenerate_named = false;
  for (const auto& c : study::trust_checks(s))
    if (!c.met) degenerate_named = true;
  CHECK(degenerate_named);

  std::ostringstream summary;
  study::print_study_summary(summary, s);
  const std::string html = plots::report_html(study::study_report(s, {}));
  const std::string json = study::study_json(s).dump();
  const std::string said = summary.str();
  for (const std::string* text : {&said, &html, &json}) {
    INFO(text->substr(0, 2000));
    CHECK(!scalelab::testing::prints_non_finite(*text));
  }
  CHECK(html.find("How far to trust this study") != std::string::npos);
  if (!s.target_problem.empty()) CHECK(html.find("Extrapolation: none") != std::string::npos);
}
