// What each run of a sweep contributes to a study (study/run_set.hpp), read from the database.
#include <doctest/doctest.h>

#include "lib/error.hpp"
#include "study/run_set.hpp"
#include "study_db.hpp"

using namespace scalelab;
using study::LossKind;

TEST_CASE("a sweep's runs: finished, stopped early with and without an extrapolation, failed") {
  const std::string path = testing::study_temp_db("kinds");
  db::Database d = db::open_database(path);
  const auto ids = testing::insert_planned_sweep(d, "s",
                                                 {{"done-eval", 1e4, 4e3, 1e6, 6e10},
                                                  {"done-train", 2e4, 1e4, 5e5, 6e10},
                                                  {"stopped-x", 4e4, 3e4, 2.5e5, 6e10},
                                                  {"stopped", 8e4, 7e4, 1.25e5, 6e10},
                                                  {"failed", 1e4, 4e3, 2e6, 1.2e11},
                                                  {"pending", 2e4, 1e4, 1e6, 1.2e11}});
  testing::finish(d, ids[0], "done", 1e6, 1.61, 1.65);
  testing::finish(d, ids[1], "done", 5e5, 1.70, std::nullopt);
  // Early-stop mode: 30% of the planned tokens trained; one has a stored extrapolation.
  testing::finish(d, ids[2], "done", 0.3 * 2.5e5, 1.95, 1.97);
  testing::store_extrapolation(d, ids[2], 1.80, 1.75, 1.86);
  testing::finish(d, ids[3], "stopped", 0.3 * 1.25e5, 2.10, 2.12);
  testing::finish(d, ids[4], "failed", 1e5, std::nullopt, std::nullopt);

  const study::RunSet set = study::read_sweep_runs(d, "s", path);
  REQUIRE(set.runs.size() == 6);
  CHECK(set.planned_budgets);
  CHECK(set.fitted_count() == 3);

  const auto& eval = set.runs[0];
  REQUIRE(eval.loss);
  CHECK(eval.loss->kind == LossKind::kEval);
  CHECK(eval.loss->value == doctest::Approx(1.65));
  CHECK(eval.trained_tokens == doctest::Approx(1e6));
  CHECK(eval.curve.size() == 10);

  REQUIRE(set.runs[1].loss);
  CHECK(set.runs[1].loss->kind == LossKind::kTrain);

  // The stopped run with an extrapolation enters at its planned D with the extrapolated loss,
  // never with the loss of the step where it stopped.
  const auto& x = set.runs[2];
  CHECK(x.stopped_early());
  CHECK(x.trained_tokens == doctest::Approx(7.5e4));
  REQUIRE(x.loss);
  CHECK(x.loss->kind == LossKind::kExtrapolated);
  CHECK(x.loss->value == doctest::Approx(1.80));
  CHECK(x.loss->model == "lr-aware");
  REQUIRE(x.loss->interval);
  CHECK(x.loss->interval->lo == doctest::Approx(1.75));
  CHECK(*x.loss->final_step == 1000);
  CHECK(x.loss_tokens() == doctest::Approx(2.5e5));

  // Without one it is not fitted, and says why.
  CHECK_FALSE(set.runs[3].fitted());
  CHECK(set.runs[3].excluded.find("no stored extrapolation") != std::string::npos);
  CHECK_FALSE(set.runs[4].fitted());
  CHECK(set.runs[4].excluded == "status failed");
  CHECK_FALSE(set.runs[5].fitted());

  const auto obs = set.fit_observations(study::ParamCount::kTotal);
  REQUIRE(obs.size() == 3);
  CHECK(obs[0].tokens == doctest::Approx(1e6));
  CHECK(obs[0].flops == doctest::Approx(6e10));  // the planned budget, for the IsoFLOP groups
  CHECK(obs[2].tokens == doctest::Approx(2.5e5));
  CHECK(obs[2].loss == doctest::Approx(1.80));
  for (const auto& o : obs) CHECK(o.loss != doctest::Approx(1.97));  // the stop-step loss

  // Non-embedding counting: N and C = 6 N_ne D change together.
  const auto ne = set.fit_observations(study::ParamCount::kNonEmbedding);
  CHECK(ne[0].params == doctest::Approx(4e3));
  CHECK(ne[0].flops == doctest::Approx(6 * 4e3 * 1e6));
  // Every logged curve, whatever the run became (the failed one logged 10 points too).
  CHECK(set.curve_observations(study::ParamCount::kTotal).size() == 50);
}

TEST_CASE("a plan that allocated with non-embedding parameters is read as such") {
  const std::string path = testing::study_temp_db("nonemb");
  db::Database d = db::open_database(path);
  const auto ids = testing::insert_planned_sweep(d, "s", {{"a", 1e4, 4e3, 1e6, 6 * 4e3 * 1e6}},
                                                 R"({"param_count": "non_embedding"})");
  testing::finish(d, ids[0], "done", 1e6, 1.6, 1.6);
  const study::RunSet set = study::read_sweep_runs(d, "s", path);
  REQUIRE(set.planned_count);
  CHECK(*set.planned_count == study::ParamCount::kNonEmbedding);
  // Counted as planned, C is the planned budget itself.
  CHECK(set.fit_observations(study::ParamCount::kNonEmbedding)[0].flops == 6 * 4e3 * 1e6);
}

TEST_CASE("runs without a non-embedding count cannot be fitted by it; unknown sweeps; no runs") {
  const std::string path = testing::study_temp_db("errors");
  db::Database d = db::open_database(path);
  const auto ids = testing::insert_planned_sweep(d, "s", {{"a", 1e4, 0, 1e6, 6e10}});
  CHECK_THROWS_WITH_AS(study::read_sweep_runs(d, "s", path), doctest::Contains("no finished run"),
                       InputError);
  testing::finish(d, ids[0], "done", 1e6, 1.6, 1.6);
  const study::RunSet set = study::read_sweep_runs(d, "s", path);
  CHECK_THROWS_WITH_AS(set.fit_observations(study::ParamCount::kNonEmbedding),
                       doctest::Contains("run a of sweep s: no non-embedding"), InputError);
  CHECK_THROWS_AS(study::read_sweep_runs(d, "nope", path), InputError);
  CHECK_THROWS_AS(study::parse_param_count("embedding", "--param-count"), InputError);
}

TEST_CASE("observations from a CSV: rows are runs, stepped rows are curves") {
  std::vector<Observation> obs;
  auto add = [&](double n, double d, double loss, std::optional<std::int64_t> step,
                 const std::string& id) {
    Observation o;
    o.params = n;
    o.tokens = d;
    o.flops = 6 * n * d;
    o.loss = loss;
    o.step = step;
    o.run_id = id;
    o.where = "f.csv:" + std::to_string(obs.size() + 2);
    obs.push_back(o);
  };
  add(1e6, 2e7, 3.0, std::nullopt, "");
  add(2e6, 1e7, 3.5, 10, "r");
  add(2e6, 2e7, 3.2, 20, "r");
  add(2e6, 1.5e7, 3.3, 15, "r");
  const study::RunSet set = study::run_set_from_observations(obs, "f.csv");
  REQUIRE(set.runs.size() == 2);
  CHECK(set.runs[0].name == "f.csv:2");
  CHECK(set.runs[0].loss->kind == LossKind::kImported);
  CHECK(set.runs[1].name == "r");
  CHECK(set.runs[1].loss->value == 3.2);  // its last step
  CHECK(set.runs[1].planned_tokens == 2e7);
  REQUIRE(set.runs[1].curve.size() == 3);
  CHECK(set.runs[1].curve[1].step == 15);  // by step
  CHECK_FALSE(set.planned_budgets);
}
