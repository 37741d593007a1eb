// sweeps/run_curve.hpp: a run's metrics rows to the curve and schedule the learning-curve
// fits take (resumed steps, step 0, the two losses, bad losses), the fit window and the
// observed final loss.
#include <doctest/doctest.h>

#include <unistd.h>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "lib/error.hpp"
#include "sweeps/run_curve.hpp"
#include "sweeps/worker.hpp"
#include "trainer/schedule.hpp"

using namespace scalelab;
using scalelab::db::MetricRow;

namespace {

trainer::TrainConfig config_of(std::int64_t steps) {
  trainer::TrainConfig c;
  c.tokens = steps * 1024;
  c.batch_tokens = 1024;
  c.schedule.kind = trainer::ScheduleKind::kCosine;
  c.schedule.peak_lr = 2e-3;
  c.schedule.warmup_steps = 10;
  return c;
}

MetricRow train_row(std::int64_t step, double loss) {
  MetricRow r;
  r.step = step;
  r.train_loss = loss;
  return r;
}

}  // namespace

TEST_CASE("run_curve: rows by step, the last of a repeated step, the trainer's schedule") {
  const trainer::TrainConfig config = config_of(100);
  std::vector<MetricRow> rows = {train_row(0, 9.0), train_row(1, 5.0), train_row(2, 4.0),
                                 train_row(2, 3.5),  // a resumed run logs step 2 again
                                 train_row(3, 3.0)};
  MetricRow eval;
  eval.step = 3;
  eval.eval_loss = 3.2;
  rows.push_back(eval);
  const sweeps::RunCurve c = sweeps::run_curve(rows, config, "test");
  REQUIRE(c.train.size() == 3);  // step 0 is before any update
  CHECK(c.train[0].step == 1);
  CHECK(c.train[1].loss == 3.5);
  REQUIRE(c.eval.size() == 1);
  CHECK(c.eval[0].loss == 3.2);
  CHECK(c.total_steps == 100);
  CHECK(c.warmup_steps == 10);
  REQUIRE(c.schedule.total_steps() == 100);
  for (std::int64_t s : {1, 10, 50, 100})
    CHECK(c.schedule.at(s) == trainer::learning_rate(config.resolved_schedule(), s, 100));

  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH_AS(sweeps::run_curve({train_row(1, 4.0), train_row(2, nan)}, config, "src"),
                       "src: step 2: train_loss is nan (the run diverged): no curve to fit",
                       InputError);
  CHECK_THROWS_AS(sweeps::run_curve({train_row(1, 0.0)}, config, "src"), InputError);
}

TEST_CASE("read_run_curve: metrics.jsonl as the trainer writes it; a bad line names its place") {
  const auto dir =
      std::filesystem::temp_directory_path() / ("scalelab_run_curve_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream out(dir / "metrics.jsonl");
    out << R"({"kind":"train","step":1,"train_loss":5.0,"lr":0.0002})" << '\n'
        << '\n'
        << R"({"kind":"eval","step":1,"eval_loss":4.9})" << '\n';
  }
  const sweeps::RunCurve c = sweeps::read_run_curve(dir, config_of(20));
  CHECK(c.train.size() == 1);
  CHECK(c.eval.size() == 1);
  { std::ofstream(dir / "metrics.jsonl", std::ios::app) << "{not json\n"; }
  CHECK_THROWS_AS(sweeps::read_run_curve(dir, config_of(20)), InputError);
  std::filesystem::remove_all(dir);
  CHECK(sweeps::read_run_curve(dir, config_of(20)).train.empty());  // no file yet: no points
}

TEST_CASE("fit_window and final_loss") {
  std::vector<fitting::CurvePoint> pts;
  for (std::int64_t s = 1; s <= 500; ++s) pts.push_back({s, s > 490 ? 2.0 + (s % 2) * 0.1 : 3.0});
  const auto window = sweeps::fit_window(pts, 25, 100);
  REQUIRE(window.size() == 75);
  CHECK(window.front().step == 26);
  CHECK(window.back().step == 100);
  // The last max(5, 500/50) = 10 steps: 491..500, alternating 2.1 and 2.0.
  REQUIRE(sweeps::final_loss(pts, 500));
  CHECK(*sweeps::final_loss(pts, 500) == doctest::Approx(2.05));
  CHECK_FALSE(sweeps::final_loss(pts, 600));  // not finished
  CHECK_FALSE(sweeps::final_loss({}, 10));
}

TEST_CASE("train_config_for: a sweep run trains with its spec's schedule (cosine, wsd, constant)") {
  sweeps::HyperparameterRules rules;
  rules.schedule = trainer::ScheduleKind::kWsd;
  rules.final_lr_fraction = 0.05;
  rules.cooldown_fraction = 0.3;
  sweeps::RunSpec spec;
  spec.params = 3e4;
  spec.tokens = 5e5;
  spec.hp = sweeps::resolve_hyperparameters(rules, 3e4, 5e5, 256);
  spec.stop_steps = spec.hp.total_steps;
  trainer::TrainConfig c = sweeps::train_config_for(spec, "/tmp/unused");
  CHECK(c.schedule.kind == trainer::ScheduleKind::kWsd);
  CHECK(c.schedule.peak_lr == spec.hp.lr);
  CHECK(c.schedule.final_lr_fraction == 0.05);
  CHECK(c.schedule.cooldown_fraction == 0.3);
  CHECK(c.schedule.warmup_steps == spec.hp.warmup_steps);
  // The curve reader plans the same schedule the trainer follows (extrapolation of WSD runs).
  const sweeps::RunCurve curve = sweeps::run_curve({train_row(1, 4.0)}, c, "wsd run");
  const auto planned = trainer::planned_learning_rates(c.resolved_schedule(), c.total_steps());
  for (std::int64_t s = 1; s <= c.total_steps(); ++s) CHECK(curve.schedule.at(s) == planned[s - 1]);
  spec.hp.schedule = trainer::ScheduleKind::kConstant;
  CHECK(sweeps::train_config_for(spec, "/tmp/unused").schedule.kind ==
        trainer::ScheduleKind::kConstant);
}
