#include "sweeps/run_curve.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <string>

#include "lib/error.hpp"
#include "sweeps/dispatch.hpp"
#include "sweeps/metrics_jsonl.hpp"
#include "trainer/schedule.hpp"

namespace scalelab::sweeps {

namespace {

std::vector<fitting::CurvePoint> to_points(const std::map<std::int64_t, double>& by_step) {
  std::vector<fitting::CurvePoint> points;
  points.reserve(by_step.size());
  for (const auto& [step, loss] : by_step) points.push_back({step, loss});
  return points;
}

// A loss a curve can be fitted on; a non-finite one means the run diverged, a non-positive
// one is not a cross-entropy: either is rejected with its step.
bool check_loss(const std::optional<double>& loss, const char* what, std::int64_t step,
                const std::string& source) {
  if (!loss) return false;
  if (!std::isfinite(*loss))
    throw InputError(fmt::format("{}: step {}: {} is {} (the run diverged): no curve to fit",
                                 source, step, what, *loss));
  if (!(*loss > 0))
    throw InputError(fmt::format("{}: step {}: {} is {} (must be > 0)", source, step, what, *loss));
  return true;
}

}  // namespace

RunCurve curve_from_rows(const std::vector<db::MetricRow>& rows, fitting::LrSchedule schedule,
                         std::int64_t warmup_steps, const std::string& source) {
  RunCurve curve{{}, {}, schedule.total_steps(), warmup_steps, std::move(schedule), {}};
  std::map<std::int64_t, double> train, eval;
  for (const db::MetricRow& r : rows) {
    if (r.step <= 0) continue;  // step 0: before any update
    if (check_loss(r.train_loss, "train_loss", r.step, source)) train[r.step] = *r.train_loss;
    if (check_loss(r.eval_loss, "eval_loss", r.step, source)) eval[r.step] = *r.eval_loss;
  }
  curve.train = to_points(train);
  curve.eval = to_points(eval);
  return curve;
}

RunCurve run_curve(const std::vector<db::MetricRow>& rows, const trainer::TrainConfig& config,
                   const std::string& source) {
  const std::int64_t total = config.total_steps();
  const trainer::ScheduleOptions schedule = config.resolved_schedule();
  trainer::validate(schedule, total);
  RunCurve curve =
      curve_from_rows(rows, fitting::LrSchedule(trainer::planned_learning_rates(schedule, total)),
                      schedule.warmup_steps, source);
  if (config.batch_tokens > 0) curve.tokens_per_step = static_cast<double>(config.batch_tokens);
  return curve;
}

RunCurve read_run_curve(const std::filesystem::path& run_dir, const trainer::TrainConfig& config) {
  const std::filesystem::path path = run_dir / kMetricsFile;
  std::ifstream in(path);
  std::vector<db::MetricRow> rows;
  std::string line;
  std::int64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    rows.push_back(parse_metrics_line(line, fmt::format("{}:{}", path.string(), line_no)));
  }
  return run_curve(rows, config, path.string());
}

std::vector<fitting::CurvePoint> fit_window(const std::vector<fitting::CurvePoint>& points,
                                            std::int64_t warmup_steps, std::int64_t last_step) {
  std::vector<fitting::CurvePoint> out;
  for (const auto& p : points)
    if (p.step > warmup_steps && p.step <= last_step) out.push_back(p);
  return out;
}

std::optional<double> final_loss(const std::vector<fitting::CurvePoint>& points,
                                 std::int64_t total_steps) {
  if (points.empty() || points.back().step < total_steps) return std::nullopt;
  const std::int64_t tail = std::max<std::int64_t>(5, total_steps / 50);
  double sum = 0;
  int n = 0;
  for (const auto& p : points)
    if (p.step > total_steps - tail) {
      sum += p.loss;
      ++n;
    }
  if (n == 0) return std::nullopt;
  return sum / n;
}

}  // namespace scalelab::sweeps
