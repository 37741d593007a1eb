// scalelab extrapolate: a run's final loss predicted from the first part of its training curve
// by every learning-curve model (fitting/learning_curve.hpp), alone or jointly with the
// finished curves of other runs (--reference), through the one extrapolation policy
// (sweeps/extrapolation.hpp); for a finished run, the error against what it reached.
//
// The JSON output (--format json) is documented in the --help text below.
#include <fmt/format.h>

#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "apps/cli.hpp"
#include "db/schema.hpp"
#include "lib/csv.hpp"
#include "lib/error.hpp"
#include "lib/output.hpp"
#include "sweeps/curve_source.hpp"
#include "sweeps/extrapolation.hpp"
#include "trainer/schedule.hpp"

namespace scalelab::apps {

namespace {

std::vector<double> parse_fractions(const std::vector<std::string>& texts) {
  std::vector<double> out;
  for (const auto& item : split_list(texts)) {
    const auto v = parse_double(item);
    if (!v || !(*v > 0 && *v <= 1))
      throw InputError(fmt::format("--fraction: '{}' (accepted: numbers in (0, 1])", item));
    out.push_back(*v);
  }
  return out;
}

nlohmann::json or_null(std::optional<double> v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

}  // namespace

int run_extrapolate(const Args& args) {
  OptionParser p(
      "scalelab extrapolate RUN_DIR|--curve FILE|--sweep NAME --run ID [--fraction F[,F...]]\n"
      "       [--reference X]... [--model M] [--loss train|eval] [--bootstrap K]\n"
      "       [--format table|csv|json] [--db PATH]",
      "Predicts a run's final loss from the first part of its training curve: RUN_DIR as\n"
      "written by `scalelab train` or a sweep's worker; a sweep's run from the database\n"
      "(--sweep, and --run with its run_id or name); or --curve FILE from any trainer: CSV\n"
      "with columns step, loss (or train_loss; optional eval_loss), lr and optional tokens, or\n"
      "JSONL with the same keys (or the project's metrics lines). Steps are optimizer steps:\n"
      "a curve logged every k steps keeps its steps. The planned schedule comes from the file\n"
      "(rows for the planned steps with an lr and no loss; the lr between rows is\n"
      "interpolated) or from --schedule cosine|wsd|constant|linear with --peak-lr,\n"
      "--warmup-steps, --total-steps, --final-lr-fraction, --cooldown-fraction.\n"
      "Models (--model, default: all, the recommended row marked *):\n"
      "  power-law    L = L_inf + A*t^-alpha in steps t\n"
      "  lr-aware     L = L0 + A*S1^-alpha - C*S2 over the planned schedule (Tissue et al.\n"
      "               2024; S1 the summed learning rate, S2 its momentum-weighted annealing)\n"
      "  multi-power  L = L0 + A*S1^-alpha - LD(t), LD the multi-power annealing term of Luo\n"
      "               et al. 2025 (B, C, beta, gamma)\n"
      "Each fits the post-warmup losses up to fraction F of the planned steps (default: every\n"
      "logged step). --reference X (repeatable; a run directory, a curve file with its lr,\n"
      "or SWEEP/RUN) fits finished runs' post-warmup curves jointly with it: the exponent\n"
      "and the annealing parameters are shared (lr-aware: alpha, S0, C; multi-power: alpha,\n"
      "S0, B, C, beta, gamma; the power law shares nothing), each curve keeps its own L0 and\n"
      "A. A smaller model with the same schedule or the same model with a shorter schedule\n"
      "are both references. Why these\n"
      "are shared and which model is recommended: measured on scripts/validate_extrapolation.sh\n"
      "(README, \"Early stopping\"). --shared P,P overrides the shared parameters ('none').\n"
      "For a finished run each row also gives the observed final loss (the mean over the\n"
      "last 2% of the steps, at least 5) and the relative error (predicted - observed) /\n"
      "observed: `--fraction 0.2,0.3` is the early-stopping validation. The interval is a\n"
      "moving-block bootstrap of the fit's residuals (--bootstrap refits; its measured\n"
      "coverage is in the README).\n"
      "JSON (--format json): a list with one object per (fraction, model): run (the\n"
      "directory's or file's name, or SWEEP/RUN), run_dir (null if unknown), loss\n"
      "(train|eval), fraction, model, recommended (true on one row per fraction at most),\n"
      "references (their names), shared (the parameters fitted jointly with them), fit_steps\n"
      "(last step fitted), points, final_step (the planned last step), final_tokens (null if\n"
      "unknown), predicted, predicted_lo, predicted_hi, observed, relative_error, converged,\n"
      "termination, parameters {name: value}. predicted is null when the model gives no\n"
      "finite positive loss; observed and relative_error are null for an unfinished run; the\n"
      "interval is null without a bootstrap. CSV has the same columns but parameters\n"
      "(references joined by ';'), with empty fields for null.");
  p.add_positional("run_dir", 1);
  p.add()("run_dir", po::value<std::string>(), "the run's directory");
  p.add()("curve", po::value<std::string>(), "a curve file (CSV or JSONL) of any trainer");
  p.add()("sweep", po::value<std::string>(), "a sweep in the database (with --run)");
  p.add()("run", po::value<std::string>(), "the sweep's run: its run_id or name");
  p.add()("fraction", po::value<std::vector<std::string>>()->composing(),
          "fit the curve up to this fraction of the planned steps (repeatable, or a list)");
  p.add()("reference", po::value<std::vector<std::string>>()->composing(),
          "a finished run fitted jointly: RUN_DIR, a curve file, or SWEEP/RUN (repeatable)");
  p.add()("model", po::value<std::string>()->default_value("all"),
          "power-law, lr-aware, multi-power, or all");
  p.add()("shared", po::value<std::string>(),
          "parameters shared with the references, comma-separated, or 'none' (default: the "
          "model's)");
  p.add()("fit-from", po::value<double>()->default_value(0),
          "start the fit window at this fraction of the planned steps if after warmup");
  p.add()("no-offset", "lr-aware, multi-power: S0 = 0 (the papers' forms) instead of fitted");
  p.add()("loss", po::value<std::string>()->default_value("train"),
          "the curve to fit and compare: train (every step) or eval (each evaluation)");
  p.add()("bootstrap", po::value<int>()->default_value(200),
          "block-bootstrap refits for the interval (0: no interval)");
  p.add()("block-length", po::value<int>()->default_value(0),
          "points per bootstrap block (0: 2 x n^(1/3))");
  p.add()("seed", po::value<std::uint64_t>()->default_value(0), "bootstrap seed");
  p.add()("schedule", po::value<std::string>(),
          "--curve: the planned schedule, cosine|wsd|constant|linear (else the file's lr)");
  p.add()("peak-lr", po::value<double>(), "--schedule: peak learning rate (required)");
  p.add()("warmup-steps", po::value<std::int64_t>()->default_value(0),
          "--schedule: linear warmup steps");
  p.add()("total-steps", po::value<std::int64_t>(),
          "--curve: the planned last step (required with --schedule; else the file's last lr)");
  p.add()("final-lr-fraction", po::value<double>()->default_value(0.1),
          "--schedule: floor of cosine, WSD and linear, as a fraction of the peak");
  p.add()("cooldown-fraction", po::value<double>()->default_value(0.2),
          "--schedule wsd: share of the steps in the 1-sqrt cooldown");
  p.add()("threads", po::value<int>()->default_value(0), "threads (0: all cores)");
  p.add_format_option();
  p.add_db_option();
  if (!p.parse(args)) return 0;
  const int sources =
      (p.has("run_dir") ? 1 : 0) + (p.has("curve") ? 1 : 0) + (p.has("sweep") ? 1 : 0);
  if (sources != 1)
    throw InputError("give one run: RUN_DIR, --curve FILE, or --sweep NAME --run ID");
  if (p.has("sweep") != p.has("run")) throw InputError("--sweep and --run go together");
  for (const char* flag : {"schedule", "peak-lr", "total-steps", "warmup-steps",
                           "final-lr-fraction", "cooldown-fraction"})
    if (p.has(flag) && !p.has("curve"))
      throw InputError(
          fmt::format("--{}: only with --curve (a run's own schedule is known)", flag));
  if (p.has("peak-lr") && !p.has("schedule")) throw InputError("--peak-lr: only with --schedule");
  sweeps::ExtrapolationOptions o;
  const std::string model = p.get<std::string>("model");
  if (model != "all") o.models = {fitting::parse_curve_model(model, "--model")};
  o.loss = p.get<std::string>("loss");
  if (o.loss != "train" && o.loss != "eval")
    throw InputError(fmt::format("--loss: '{}' (accepted: train, eval)", o.loss));
  o.fit.bootstrap = p.get<int>("bootstrap");
  if (o.fit.bootstrap < 0)
    throw InputError(fmt::format("--bootstrap: {} (accepted: >= 0)", o.fit.bootstrap));
  o.fit.block_length = p.get<int>("block-length");
  if (o.fit.block_length < 0)
    throw InputError(fmt::format("--block-length: {} (accepted: >= 0)", o.fit.block_length));
  o.fit.seed = p.get<std::uint64_t>("seed");
  o.fit.threads = p.get<int>("threads");
  if (o.fit.threads < 0)
    throw InputError(fmt::format("--threads: {} (accepted: >= 0)", o.fit.threads));
  if (p.has("shared")) {
    const std::string s = p.get<std::string>("shared");
    o.fit.shared = s == "none" ? std::vector<std::string>{} : split_list({s});
  }
  o.fit.offset = !p.has("no-offset");
  o.fit_from = p.get<double>("fit-from");
  if (!(o.fit_from >= 0 && o.fit_from < 1))
    throw InputError(fmt::format("--fit-from: {} (accepted: 0 <= f < 1)", o.fit_from));
  std::vector<double> fractions;
  if (p.has("fraction")) fractions = parse_fractions(p.get<std::vector<std::string>>("fraction"));
  const Format format = p.format();

  sweeps::CurveSource source;
  if (p.has("run_dir")) {
    source = sweeps::load_run_dir(p.get<std::string>("run_dir"));
  } else if (p.has("curve")) {
    sweeps::CurveFileOptions co;
    if (p.has("total-steps")) {
      co.total_steps = p.get<std::int64_t>("total-steps");
      if (*co.total_steps < 1)
        throw InputError(fmt::format("--total-steps: {} (accepted: >= 1)", *co.total_steps));
    }
    if (p.has("schedule")) {
      if (!p.has("peak-lr")) throw InputError("--schedule needs --peak-lr");
      trainer::ScheduleOptions s;
      s.kind = trainer::parse_schedule(p.get<std::string>("schedule"));
      s.peak_lr = p.get<double>("peak-lr");
      s.warmup_steps = p.get<std::int64_t>("warmup-steps");
      s.final_lr_fraction = p.get<double>("final-lr-fraction");
      s.cooldown_fraction = p.get<double>("cooldown-fraction");
      co.schedule = s;
    }
    source = sweeps::load_curve_file(p.get<std::string>("curve"), co);
  } else {
    db::Database db = db::open_existing_database(p.db_path());
    source = sweeps::load_sweep_run(db, p.get<std::string>("sweep"), p.get<std::string>("run"));
  }
  std::vector<sweeps::CurveSource> references;
  if (p.has("reference"))
    for (const std::string& r : p.get<std::vector<std::string>>("reference"))
      references.push_back(sweeps::load_reference(r, p.db_path()));
  if (fractions.empty()) fractions.push_back(-1);  // every logged point

  std::vector<sweeps::Extrapolation> rows;
  for (double f : fractions) {
    auto part =
        sweeps::extrapolate_curve(source, f > 0 ? std::optional(f) : std::nullopt, references, o);
    rows.insert(rows.end(), part.begin(), part.end());
  }

  const std::string& name = source.name;
  std::string refs_text;
  for (const auto& r : references) refs_text += (refs_text.empty() ? "" : ";") + r.name;
  Table t({"run", "fraction", "model", "references", "fit_steps", "points", "final_step",
           "predicted", "interval", "observed", "relative_error"});
  Table csv({"run", "run_dir", "loss", "fraction", "model", "recommended", "references", "shared",
             "fit_steps", "points", "final_step", "final_tokens", "predicted", "predicted_lo",
             "predicted_hi", "observed", "relative_error", "converged", "termination"});
  auto number = [](std::optional<double> v) { return v ? Cell::fixed(*v, 6) : Cell::text(""); };
  nlohmann::json out = nlohmann::json::array();
  for (const sweeps::Extrapolation& e : rows) {
    const std::string m(fitting::curve_model_name(e.model));
    std::string shared;
    for (const auto& s : e.fit.shared) shared += (shared.empty() ? "" : ";") + s;
    t.add_row(
        {Cell::text(name), Cell::fixed(e.fraction, 2), Cell::text(m + (e.recommended ? " *" : "")),
         Cell::integer(static_cast<std::int64_t>(e.references.size())), Cell::integer(e.fit_steps),
         Cell::integer(static_cast<std::int64_t>(e.points)), Cell::integer(e.final_step),
         e.predicted ? Cell::fixed(*e.predicted, 4) : Cell::text("none"),
         Cell::text(e.predicted_lo
                        ? fmt::format("[{:.4f}, {:.4f}]", *e.predicted_lo, *e.predicted_hi)
                        : ""),
         e.observed ? Cell::fixed(*e.observed, 4) : Cell::text(""),
         Cell::text(e.relative_error ? fmt::format("{:+.2f}%", 100 * *e.relative_error) : "")});
    csv.add_row({Cell::text(name), Cell::text(source.run_dir.value_or("")), Cell::text(o.loss),
                 Cell::fixed(e.fraction, 6), Cell::text(m),
                 Cell::text(e.recommended ? "true" : "false"), Cell::text(refs_text),
                 Cell::text(shared), Cell::integer(e.fit_steps),
                 Cell::integer(static_cast<std::int64_t>(e.points)), Cell::integer(e.final_step),
                 number(e.final_tokens), number(e.predicted), number(e.predicted_lo),
                 number(e.predicted_hi), number(e.observed), number(e.relative_error),
                 Cell::text(e.fit.converged ? "true" : "false"), Cell::text(e.fit.termination)});
    nlohmann::json row = {
        {"run", name},
        {"run_dir", source.run_dir ? nlohmann::json(*source.run_dir) : nlohmann::json(nullptr)},
        {"loss", o.loss},
        {"fraction", e.fraction},
        {"model", m},
        {"recommended", e.recommended},
        {"references", e.references},
        {"shared", e.fit.shared},
        {"fit_steps", e.fit_steps},
        {"points", e.points},
        {"final_step", e.final_step},
        {"final_tokens", or_null(e.final_tokens)},
        {"predicted", or_null(e.predicted)},
        {"predicted_lo", or_null(e.predicted_lo)},
        {"predicted_hi", or_null(e.predicted_hi)},
        {"observed", or_null(e.observed)},
        {"relative_error", or_null(e.relative_error)},
        {"converged", e.fit.converged},
        {"termination", e.fit.termination},
        {"parameters", nlohmann::json::object()}};
    for (std::size_t i = 0; i < e.fit.names.size() && i < e.fit.values.size(); ++i)
      row["parameters"][e.fit.names[i]] = e.fit.values[i];
    out.push_back(row);
  }
  if (format == Format::kJson) {
    print_json(std::cout, out);
  } else if (format == Format::kCsv) {
    csv.print_csv(std::cout);
  } else {
    const auto& curve = source.points(o.loss);
    std::cout << fmt::format(
        "{}: {} of {} planned steps logged; {} loss{}{}\n", name, curve.back().step,
        source.curve.total_steps, o.loss,
        rows.front().observed
            ? fmt::format(", finished at {:.4f} (mean of the last 2%)", *rows.front().observed)
            : ", not finished",
        references.empty() ? "" : fmt::format("; references: {}", refs_text));
    t.print(std::cout, Format::kTable);
    if (model == "all") std::cout << "* recommended (README, \"Early stopping\")\n";
  }
  return 0;
}

}  // namespace scalelab::apps
