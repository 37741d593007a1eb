// A run's learning curve and its planned learning-rate schedule, as the learning-curve
// extrapolation (fitting/learning_curve.hpp) takes them: the one reader for the worker's
// early-stop mode and `scalelab extrapolate` (a run directory or a sweep's run in SQLite).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "db/metrics_store.hpp"
#include "fitting/learning_curve.hpp"
#include "trainer/train_config.hpp"

namespace scalelab::sweeps {

struct RunCurve {
  // Every loss logged after step 0, by step (a resumed run can log a step twice: the last
  // row wins).
  std::vector<fitting::CurvePoint> train, eval;
  std::int64_t total_steps = 0;   // planned, whatever share of them ran
  std::int64_t warmup_steps = 0;  // resolved from the config
  // The learning rate of every planned step (trainer/schedule.hpp, the loop's own schedule,
  // or a curve file's: sweeps/curve_file.hpp).
  fitting::LrSchedule schedule{std::vector<double>{1.0}};
  // Tokens per optimizer step (the config's batch, or a curve file's tokens column at its
  // last logged step), when known: the planned D is total_steps x this.
  std::optional<double> tokens_per_step;
};

// The curve of `rows` over `schedule` (steps 1..schedule.total_steps()). Throws InputError
// naming `source` and the step for a loss that is not finite (a diverged run) or not
// positive.
RunCurve curve_from_rows(const std::vector<db::MetricRow>& rows, fitting::LrSchedule schedule,
                         std::int64_t warmup_steps, const std::string& source);

// The curve of `rows` (a run's metrics, as metrics.jsonl or the database holds them) and the
// schedule the trainer follows for `config`. Throws InputError naming `source` and the step
// for a loss that is not finite (a diverged run) or not positive, and for a config whose
// schedule is invalid.
RunCurve run_curve(const std::vector<db::MetricRow>& rows, const trainer::TrainConfig& config,
                   const std::string& source);

// run_curve of RUN_DIR/metrics.jsonl (a missing file gives no points); a malformed line
// throws InputError naming FILE:LINE.
RunCurve read_run_curve(const std::filesystem::path& run_dir, const trainer::TrainConfig& config);

// The points a learning curve is fitted on: after warmup (the laws describe the decaying
// phase; Tissue et al. fit the post-warmup curve) and at most `last_step`.
std::vector<fitting::CurvePoint> fit_window(const std::vector<fitting::CurvePoint>& points,
                                            std::int64_t warmup_steps, std::int64_t last_step);

// A finished run's final loss as a curve fit sees it: the mean of the points in the last
// max(5, total/50) planned steps (one step's train loss is noisy); none if the curve has not
// reached `total_steps`.
std::optional<double> final_loss(const std::vector<fitting::CurvePoint>& points,
                                 std::int64_t total_steps);

}  // namespace scalelab::sweeps
