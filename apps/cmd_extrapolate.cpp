// scalelab extrapolate: a run's final loss predicted from the first part of its training curve
// (fitting/learning_curve.hpp: the power law in steps and the LR-aware law of Tissue et al.
// 2024 over the run's planned schedule), and, for a finished run, the error against what it
// reached: the validation of early stopping on the project's own runs.
//
// JSON (--format json): a list with one object per (fraction, model):
//   {"run_dir", "fraction", "model", "fit_steps", "points", "final_step", "predicted",
//    "predicted_lo", "predicted_hi", "observed", "relative_error", "converged", "termination",
//    "parameters": {name: value}}
// "observed" is the finished run's final train loss smoothed over its last 2% of steps (at
// least 5 of them), the quantity the curve is fitted on; null (with relative_error) for a run
// that has not finished. "predicted" is null when the model gives no finite positive loss.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "apps/cli.hpp"
#include "fitting/learning_curve.hpp"
#include "lib/csv.hpp"
#include "lib/error.hpp"
#include "lib/output.hpp"
#include "sweeps/dispatch.hpp"
#include "sweeps/metrics_jsonl.hpp"
#include "trainer/schedule.hpp"
#include "trainer/train_config.hpp"

namespace scalelab::apps {

namespace fs = std::filesystem;

namespace {

nlohmann::json read_json_file(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw InputError(fmt::format("{}: cannot read (is it a run directory?)", path.string()));
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(fmt::format("{}: not valid JSON: {}", path.string(), e.what()));
  }
}

// The run's train losses by step, in file order (a resumed run may log a step twice: the
// last line wins).
std::vector<fitting::CurvePoint> read_train_curve(const fs::path& metrics) {
  std::ifstream in(metrics);
  if (!in) throw InputError(fmt::format("{}: cannot read", metrics.string()));
  std::map<std::int64_t, double> by_step;
  std::string line;
  std::int64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    const db::MetricRow r =
        sweeps::parse_metrics_line(line, fmt::format("{}:{}", metrics.string(), line_no));
    if (r.train_loss && std::isfinite(*r.train_loss) && *r.train_loss > 0)
      by_step[r.step] = *r.train_loss;
  }
  std::vector<fitting::CurvePoint> points;
  for (const auto& [step, loss] : by_step) points.push_back({step, loss});
  return points;
}

std::vector<double> parse_fractions(const std::vector<std::string>& texts) {
  std::vector<double> out;
  for (const auto& text : texts) {
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
      const auto v = parse_double(item);
      if (!v || !(*v > 0 && *v <= 1))
        throw InputError(fmt::format("--fraction: '{}' (accepted: numbers in (0, 1])", item));
      out.push_back(*v);
    }
  }
  return out;
}

}  // namespace

int run_extrapolate(const Args& args) {
  OptionParser p(
      "scalelab extrapolate RUN_DIR [--fraction F[,F...]] [--model lr-aware|power-law|both]",
      "Predicts a run's final loss from the first part of its training curve (RUN_DIR as\n"
      "written by `scalelab train` or a sweep's worker: config.json, metrics.jsonl and, once\n"
      "finished, summary.json). Models: lr-aware (Tissue et al. 2024, L = L0 + A*S1^-alpha -\n"
      "C*S2 over the run's planned schedule) and power-law (L = L_inf + A*t^-alpha). Both fit\n"
      "the post-warmup train losses up to fraction F of the planned steps (default: every\n"
      "logged step, for a run still training or stopped early). For a finished run, each line\n"
      "also gives the observed final loss (train loss over the last 2% of steps) and the\n"
      "relative error: `--fraction 0.2,0.3` is the early-stopping validation.\n"
      "Intervals come from a bootstrap over the curve's points, which treats noise as\n"
      "independent: read them as lower bounds.");
  p.add_positional("run_dir", 1);
  p.add()("run_dir", po::value<std::string>(), "the run's directory");
  p.add()("fraction", po::value<std::vector<std::string>>()->composing(),
          "fit the curve up to this fraction of the planned steps (repeatable, or a list)");
  p.add()("model", po::value<std::string>()->default_value("both"), "lr-aware, power-law or both");
  p.add()("bootstrap", po::value<int>()->default_value(200),
          "bootstrap resamples of the curve's points (0: no interval)");
  p.add()("threads", po::value<int>()->default_value(0), "threads (0: all cores)");
  p.add_format_option();
  if (!p.parse(args)) return 0;
  if (!p.has("run_dir")) throw InputError("give the run's directory (RUN_DIR)");
  const fs::path dir = p.get<std::string>("run_dir");
  if (!fs::is_directory(dir)) throw InputError(fmt::format("{}: no such directory", dir.string()));
  const std::string model = p.get<std::string>("model");
  if (model != "lr-aware" && model != "power-law" && model != "both")
    throw InputError(fmt::format("--model: '{}' (accepted: lr-aware, power-law, both)", model));
  const int bootstrap = p.get<int>("bootstrap");
  if (bootstrap < 0) throw InputError(fmt::format("--bootstrap: {} (accepted: >= 0)", bootstrap));
  std::vector<double> fractions;
  if (p.has("fraction")) fractions = parse_fractions(p.get<std::vector<std::string>>("fraction"));

  trainer::TrainConfig config;
  try {
    from_json(read_json_file(dir / "config.json"), config);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(fmt::format("{}: {}", (dir / "config.json").string(), e.what()));
  }
  const std::int64_t total = config.total_steps();
  const trainer::ScheduleOptions schedule_options = config.resolved_schedule();
  const fitting::LrSchedule schedule(trainer::planned_learning_rates(schedule_options, total));
  const std::vector<fitting::CurvePoint> curve = read_train_curve(dir / sweeps::kMetricsFile);
  if (curve.empty())
    throw InputError(
        fmt::format("{}: no train losses logged yet", (dir / sweeps::kMetricsFile).string()));

  // The observed final loss of a finished run, on the scale the curve is fitted on.
  std::optional<double> observed;
  if (fs::exists(dir / sweeps::kSummaryFile) &&
      read_json_file(dir / sweeps::kSummaryFile).value("status", "") == "done" &&
      curve.back().step >= total) {
    const std::int64_t tail = std::max<std::int64_t>(5, total / 50);
    double sum = 0;
    int n = 0;
    for (const auto& c : curve)
      if (c.step > total - tail) {
        sum += c.loss;
        ++n;
      }
    observed = sum / n;
  }
  if (fractions.empty())
    fractions.push_back(std::min(1.0, static_cast<double>(curve.back().step) / total));

  fitting::LearningCurveOptions lo;
  lo.bootstrap = bootstrap;
  lo.threads = p.get<int>("threads");
  Table t({"fraction", "model", "fit_steps", "points", "final_step", "predicted", "interval",
           "observed", "relative_error"});
  nlohmann::json rows = nlohmann::json::array();
  for (double f : fractions) {
    const auto last = static_cast<std::int64_t>(std::floor(f * static_cast<double>(total)));
    std::vector<fitting::CurvePoint> partial;
    for (const auto& c : curve)
      if (c.step > schedule_options.warmup_steps && c.step <= last) partial.push_back(c);
    if (partial.size() < 4)
      throw InputError(fmt::format(
          "--fraction {}: only {} post-warmup train losses up to step {} of {} (need 4)", f,
          partial.size(), last, total));
    for (const std::string m : {"lr-aware", "power-law"}) {
      if (model != "both" && model != m) continue;
      const fitting::CurveFit fit = m == "lr-aware"
                                        ? fitting::extrapolate_lr_aware(partial, schedule, lo)
                                        : fitting::extrapolate_power_law(partial, total, lo);
      const auto& e = fit.final_loss;
      // The LR-aware law can extrapolate to a non-positive loss (then NaN on the log scale)
      // when its annealing term C is not identified: early in a cosine schedule the learning
      // rate has barely decayed, so S2 is near 0 over the fitted part.
      const bool finite = std::isfinite(e.value) && e.value > 0;
      std::optional<double> err;
      if (observed && finite) err = (e.value - *observed) / *observed;
      t.add_row({Cell::fixed(f, 2), Cell::text(m), Cell::integer(last),
                 Cell::integer(static_cast<std::int64_t>(partial.size())),
                 Cell::integer(fit.final_step),
                 finite ? Cell::fixed(e.value, 4) : Cell::text("none (not identified)"),
                 Cell::text(finite && e.interval
                                ? fmt::format("[{:.4f}, {:.4f}]", e.interval->lo, e.interval->hi)
                                : ""),
                 Cell::text(observed ? fmt::format("{:.4f}", *observed) : ""),
                 Cell::text(err ? fmt::format("{:+.2f}%", 100 * *err) : "")});
      nlohmann::json row = {{"run_dir", dir.string()},
                            {"fraction", f},
                            {"model", m},
                            {"fit_steps", last},
                            {"points", partial.size()},
                            {"final_step", fit.final_step},
                            {"predicted", e.value},
                            {"predicted_lo", nullptr},
                            {"predicted_hi", nullptr},
                            {"observed", nullptr},
                            {"relative_error", nullptr},
                            {"converged", fit.converged},
                            {"termination", fit.termination},
                            {"parameters", nlohmann::json::object()}};
      for (std::size_t i = 0; i < fit.names.size() && i < fit.values.size(); ++i)
        row["parameters"][fit.names[i]] = fit.values[i];
      if (!finite) row["predicted"] = nullptr;
      if (finite && e.interval) {
        row["predicted_lo"] = e.interval->lo;
        row["predicted_hi"] = e.interval->hi;
      }
      if (observed) row["observed"] = *observed;
      if (err) row["relative_error"] = *err;
      rows.push_back(row);
    }
  }
  const Format format = p.format();
  if (format == Format::kJson) {
    print_json(std::cout, rows);
  } else if (format == Format::kCsv) {
    t.print_csv(std::cout);
  } else {
    std::cout << fmt::format(
        "{}: {} of {} planned steps logged{}\n", dir.string(), curve.back().step, total,
        observed ? fmt::format(", finished at {:.4f} (train loss, last 2%)", *observed)
                 : ", not finished");
    t.print(std::cout, Format::kTable);
  }
  return 0;
}

}  // namespace scalelab::apps
