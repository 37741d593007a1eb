// scalelab extrapolate: a run's final loss predicted from the first part of its training curve
// (fitting/learning_curve.hpp: the power law in steps and the LR-aware law of Tissue et al.
// 2024 over the run's planned schedule), and, for a finished run, the error against what it
// reached: the validation of early stopping on the project's own runs.
//
// The JSON output (--format json) is documented in the --help text below.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "apps/cli.hpp"
#include "db/metrics_store.hpp"
#include "db/run_store.hpp"
#include "db/schema.hpp"
#include "db/sweep_store.hpp"
#include "fitting/learning_curve.hpp"
#include "lib/csv.hpp"
#include "lib/error.hpp"
#include "lib/output.hpp"
#include "sweeps/dispatch.hpp"
#include "sweeps/run_curve.hpp"
#include "sweeps/run_spec.hpp"
#include "sweeps/worker.hpp"
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

// A run's curve and what is known of its end, from its directory or from the database.
struct RunSource {
  sweeps::RunCurve curve;
  std::string name;                    // the directory's name, or SWEEP/RUN
  std::optional<std::string> run_dir;  // where its files are, if known
  std::string where;                   // for messages: the metrics file or the database's run
  bool done = false;                   // the trainer finished (every planned step, or early stop)
};

RunSource from_run_dir(const fs::path& dir) {
  if (!fs::is_directory(dir)) throw InputError(fmt::format("{}: no such directory", dir.string()));
  trainer::TrainConfig config;
  try {
    from_json(read_json_file(dir / "config.json"), config);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(fmt::format("{}: {}", (dir / "config.json").string(), e.what()));
  }
  RunSource s{
      sweeps::read_run_curve(dir, config),
      dir.filename().empty() ? dir.parent_path().filename().string() : dir.filename().string(),
      dir.string(), (dir / sweeps::kMetricsFile).string()};
  s.done = fs::exists(dir / sweeps::kSummaryFile) &&
           read_json_file(dir / sweeps::kSummaryFile).value("status", "") == "done";
  return s;
}

// A sweep's run as the coordinator launched it: the spec stored in its config ("launch"),
// turned into the trainer's config by the worker's own function, and its ingested metrics.
RunSource from_database(const std::string& db_path, const std::string& sweep_name,
                        const std::string& run_text) {
  db::Database db = db::open_existing_database(db_path);
  const db::SweepRecord sweep = db::require_sweep(db, sweep_name);
  std::optional<db::RunRecord> run;
  const auto id = parse_double(run_text);
  for (const db::RunRecord& r : db::list_runs(db, sweep.id))
    if (r.name == run_text || (id && static_cast<double>(r.id) == *id)) run = r;
  if (!run)
    throw InputError(fmt::format(
        "--run: sweep '{}' has no run '{}' (give its run_id or name: `scalelab runs export {}`)",
        sweep_name, run_text, sweep_name));
  const std::string where =
      fmt::format("run {} ({}) of sweep '{}'", run->id, run->name, sweep_name);
  const nlohmann::json config = nlohmann::json::parse(run->config_json, nullptr, false);
  if (config.is_discarded() || !config.is_object() || !config.contains("launch"))
    throw InputError(fmt::format(
        "{}: never launched by `scalelab sweep run` (no planned schedule in its config)", where));
  sweeps::RunSpec spec;
  try {
    spec = config.at("launch").get<sweeps::RunSpec>();
  } catch (const nlohmann::json::exception& e) {
    throw InputError(fmt::format("{}: its launch config: {}", where, e.what()));
  }
  const db::RunLifecycle life = db::load_lifecycle(db, run->id);
  RunSource s{sweeps::run_curve(db::list_metrics(db, run->id),
                                sweeps::train_config_for(spec, life.run_dir.value_or("")), where),
              fmt::format("{}/{}", sweep_name, run->name), life.run_dir, where};
  s.done = run->status == db::RunStatus::kDone || run->status == db::RunStatus::kStopped;
  return s;
}

}  // namespace

int run_extrapolate(const Args& args) {
  OptionParser p(
      "scalelab extrapolate RUN_DIR|--sweep NAME --run ID [--fraction F[,F...]]\n"
      "       [--model lr-aware|power-law|both] [--loss train|eval] [--bootstrap K]\n"
      "       [--format table|csv|json] [--db PATH]",
      "Predicts a run's final loss from the first part of its training curve (RUN_DIR as\n"
      "written by `scalelab train` or a sweep's worker: config.json, metrics.jsonl and, once\n"
      "finished, summary.json; or a sweep's run from the database: --sweep, and --run with its\n"
      "run_id or name, its ingested metrics and the schedule it was launched with).\n"
      "Models: lr-aware (Tissue et al. 2024, L = L0 + A*S1^-alpha - C*S2 over the run's\n"
      "planned schedule, C >= 0) and power-law (L = L_inf + A*t^-alpha). Both fit the\n"
      "post-warmup losses up to fraction F of the planned steps (default: every logged step,\n"
      "for a run still training or stopped early). For a finished run, each row also gives\n"
      "the observed final loss (the mean over the last 2% of the steps, at least 5) and the\n"
      "relative error (predicted - observed) / observed: `--fraction 0.2,0.3` is the\n"
      "early-stopping validation. Intervals come from a bootstrap over the curve's points,\n"
      "which treats noise as independent: read them as lower bounds.\n"
      "JSON (--format json): a list with one object per (fraction, model): run (the\n"
      "directory's name or SWEEP/RUN), run_dir (null if unknown), loss (train|eval),\n"
      "fraction, model, fit_steps (last step fitted), points, final_step (the planned last\n"
      "step), predicted, predicted_lo, predicted_hi, observed, relative_error, converged,\n"
      "termination, parameters {name: value}. predicted is null when the model gives no\n"
      "finite positive loss; observed and relative_error are null for an unfinished run; the\n"
      "interval is null without a bootstrap. CSV has the same columns but parameters, with\n"
      "empty fields for null.");
  p.add_positional("run_dir", 1);
  p.add()("run_dir", po::value<std::string>(), "the run's directory");
  p.add()("sweep", po::value<std::string>(), "a sweep in the database (with --run)");
  p.add()("run", po::value<std::string>(), "the sweep's run: its run_id or name");
  p.add()("fraction", po::value<std::vector<std::string>>()->composing(),
          "fit the curve up to this fraction of the planned steps (repeatable, or a list)");
  p.add()("model", po::value<std::string>()->default_value("both"), "lr-aware, power-law or both");
  p.add()("loss", po::value<std::string>()->default_value("train"),
          "the curve to fit and compare: train (every step) or eval (each evaluation)");
  p.add()("bootstrap", po::value<int>()->default_value(200),
          "bootstrap resamples of the curve's points (0: no interval)");
  p.add()("threads", po::value<int>()->default_value(0), "threads (0: all cores)");
  p.add_format_option();
  p.add_db_option();
  if (!p.parse(args)) return 0;
  if (p.has("run_dir") == p.has("sweep"))
    throw InputError("give the run's directory (RUN_DIR) or --sweep NAME --run ID, not both");
  if (p.has("sweep") != p.has("run")) throw InputError("--sweep and --run go together");
  const std::string model = p.get<std::string>("model");
  if (model != "lr-aware" && model != "power-law" && model != "both")
    throw InputError(fmt::format("--model: '{}' (accepted: lr-aware, power-law, both)", model));
  const std::string loss = p.get<std::string>("loss");
  if (loss != "train" && loss != "eval")
    throw InputError(fmt::format("--loss: '{}' (accepted: train, eval)", loss));
  const int bootstrap = p.get<int>("bootstrap");
  if (bootstrap < 0) throw InputError(fmt::format("--bootstrap: {} (accepted: >= 0)", bootstrap));
  const int threads = p.get<int>("threads");
  if (threads < 0) throw InputError(fmt::format("--threads: {} (accepted: >= 0)", threads));
  std::vector<double> fractions;
  if (p.has("fraction")) fractions = parse_fractions(p.get<std::vector<std::string>>("fraction"));
  const Format format = p.format();

  const RunSource source =
      p.has("run_dir")
          ? from_run_dir(p.get<std::string>("run_dir"))
          : from_database(p.db_path(), p.get<std::string>("sweep"), p.get<std::string>("run"));
  const sweeps::RunCurve& run = source.curve;
  const std::vector<fitting::CurvePoint>& curve = loss == "eval" ? run.eval : run.train;
  const std::int64_t total = run.total_steps;
  if (curve.empty()) throw InputError(fmt::format("{}: no {} losses logged", source.where, loss));

  // The observed final loss of a finished run, on the scale the curve is fitted on.
  std::optional<double> observed;
  if (source.done) observed = sweeps::final_loss(curve, total);
  if (fractions.empty())
    fractions.push_back(std::min(1.0, static_cast<double>(curve.back().step) / total));

  fitting::LearningCurveOptions lo;
  lo.bootstrap = bootstrap;
  lo.threads = threads;
  const std::string& name = source.name;
  const nlohmann::json run_dir =
      source.run_dir ? nlohmann::json(*source.run_dir) : nlohmann::json(nullptr);
  Table t({"run", "fraction", "model", "fit_steps", "points", "final_step", "predicted", "interval",
           "observed", "relative_error"});
  Table csv({"run", "run_dir", "loss", "fraction", "model", "fit_steps", "points", "final_step",
             "predicted", "predicted_lo", "predicted_hi", "observed", "relative_error", "converged",
             "termination"});
  auto number = [](std::optional<double> v) { return v ? Cell::fixed(*v, 6) : Cell::text(""); };
  nlohmann::json rows = nlohmann::json::array();
  for (double f : fractions) {
    const auto last = static_cast<std::int64_t>(std::floor(f * static_cast<double>(total)));
    const std::vector<fitting::CurvePoint> partial =
        sweeps::fit_window(curve, run.warmup_steps, last);
    if (partial.size() < 4)
      throw InputError(
          fmt::format("--fraction {}: only {} post-warmup {} losses up to step {} of {} (need 4)",
                      f, partial.size(), loss, last, total));
    for (const std::string m : {"lr-aware", "power-law"}) {
      if (model != "both" && model != m) continue;
      const fitting::CurveFit fit = m == "lr-aware"
                                        ? fitting::extrapolate_lr_aware(partial, run.schedule, lo)
                                        : fitting::extrapolate_power_law(partial, total, lo);
      const auto& e = fit.final_loss;
      std::optional<double> predicted, lo_v, hi_v, err;
      if (std::isfinite(e.value) && e.value > 0) predicted = e.value;
      if (predicted && e.interval) {
        lo_v = e.interval->lo;
        hi_v = e.interval->hi;
      }
      if (observed && predicted) err = (*predicted - *observed) / *observed;
      t.add_row({Cell::text(name), Cell::fixed(f, 2), Cell::text(m), Cell::integer(last),
                 Cell::integer(static_cast<std::int64_t>(partial.size())),
                 Cell::integer(fit.final_step),
                 predicted ? Cell::fixed(*predicted, 4) : Cell::text("none"),
                 Cell::text(lo_v ? fmt::format("[{:.4f}, {:.4f}]", *lo_v, *hi_v) : ""),
                 observed ? Cell::fixed(*observed, 4) : Cell::text(""),
                 Cell::text(err ? fmt::format("{:+.2f}%", 100 * *err) : "")});
      csv.add_row({Cell::text(name), Cell::text(source.run_dir.value_or("")), Cell::text(loss),
                   Cell::fixed(f, 2), Cell::text(m), Cell::integer(last),
                   Cell::integer(static_cast<std::int64_t>(partial.size())),
                   Cell::integer(fit.final_step), number(predicted), number(lo_v), number(hi_v),
                   number(observed), number(err), Cell::text(fit.converged ? "true" : "false"),
                   Cell::text(fit.termination)});
      auto or_null = [](std::optional<double> v) -> nlohmann::json {
        return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
      };
      nlohmann::json row = {{"run", name},
                            {"run_dir", run_dir},
                            {"loss", loss},
                            {"fraction", f},
                            {"model", m},
                            {"fit_steps", last},
                            {"points", partial.size()},
                            {"final_step", fit.final_step},
                            {"predicted", or_null(predicted)},
                            {"predicted_lo", or_null(lo_v)},
                            {"predicted_hi", or_null(hi_v)},
                            {"observed", or_null(observed)},
                            {"relative_error", or_null(err)},
                            {"converged", fit.converged},
                            {"termination", fit.termination},
                            {"parameters", nlohmann::json::object()}};
      for (std::size_t i = 0; i < fit.names.size() && i < fit.values.size(); ++i)
        row["parameters"][fit.names[i]] = fit.values[i];
      rows.push_back(row);
    }
  }
  if (format == Format::kJson) {
    print_json(std::cout, rows);
  } else if (format == Format::kCsv) {
    csv.print_csv(std::cout);
  } else {
    std::cout << fmt::format(
        "{}: {} of {} planned steps logged; {} loss{}\n", name, curve.back().step, total, loss,
        observed ? fmt::format(", finished at {:.4f} (mean of the last 2%)", *observed)
                 : ", not finished");
    t.print(std::cout, Format::kTable);
  }
  return 0;
}

}  // namespace scalelab::apps
