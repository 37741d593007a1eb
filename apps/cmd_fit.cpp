// scalelab fit: fit a scaling law to the runs of a sweep in the database or of a CSV file
// and print parameters with bootstrap intervals.
#include "apps/cmd_fit.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "apps/cli.hpp"
#include "db/fit_store.hpp"
#include "db/schema.hpp"
#include "lib/csv.hpp"
#include "lib/error.hpp"
#include "study/run_set.hpp"

namespace scalelab::apps {

namespace {

// "alpha=0.34" → {"alpha", 0.34}.
std::pair<std::string, double> parse_fixed(const std::string& text) {
  const auto eq = text.find('=');
  const auto value = eq == std::string::npos ? std::nullopt : parse_double(text.substr(eq + 1));
  if (!value || eq == 0)
    throw InputError(fmt::format("--fix: '{}' (accepted: NAME=VALUE, e.g. alpha=0.34)", text));
  return {text.substr(0, eq), *value};
}

}  // namespace

int fit_and_report(const std::vector<Observation>& observations, const FitCommandOptions& o) {
  const auto& r = o.request;
  nlohmann::json doc, stored;
  if (r.law == "isoflop" || r.law == "envelope") {
    doc = fitting::fit_observations(observations, r);
    stored = doc;
  } else {
    fitting::find_law(r.law);  // unknown names fail before any work
    const auto outcome = fitting::fit_parametric(observations, r);
    doc = fitting::to_json(outcome, r);
    stored = fitting::to_stored_json(outcome, r);
  }
  if (o.save) {
    db::Database db = db::open_database(o.db_path);
    db::FitRecord record;
    record.law = r.law;
    record.source = o.source;
    record.input_hash = fitting::observations_hash(observations);
    record.options_json = nlohmann::json{{"drop_highest", r.fit.drop_highest},
                                         {"delta", r.fit.delta},
                                         {"fixed", r.fit.fixed},
                                         {"bootstrap", r.bootstrap.resamples},
                                         {"seed", r.bootstrap.seed},
                                         {"level", r.bootstrap.level}}
                              .dump();
    record.result_json = stored.dump();
    db::insert_fit(db, record);
    doc["fit_id"] = record.id;
    doc["input_hash"] = record.input_hash;
  }
  fitting::print_fit(std::cout, doc, o.format);
  if (o.save && o.format == Format::kTable) {
    const auto id = doc["fit_id"].get<std::int64_t>();
    if (doc.value("degenerate", false))
      std::cout << fmt::format("stored as fit {} in {}, marked degenerate\n", id, o.db_path);
    else
      std::cout << fmt::format("stored as fit {} in {} (predict with --fit {})\n", id, o.db_path,
                               id);
  }
  return 0;
}

int run_fit(const Args& args) {
  OptionParser p(
      "scalelab fit SWEEP|--csv FILE --law LAW [options]",
      "Fits a scaling law to the runs of a sweep (its done runs' final losses; for envelope,\n"
      "their logged training curves) or of a CSV file, and prints its parameters with bootstrap\n"
      "percentile intervals, the objective, the number of runs and the solver's termination;\n"
      "the fit is stored in the database (--no-save to skip) for `scalelab predict --fit ID`.\n"
      "Laws: chinchilla (L = E + A/N^alpha + B/D^beta, Hoffmann et al. Approach 3 from the\n"
      "4,500-start grid), kaplan, power-n, power-d, power-c (one variable with an irreducible\n"
      "term), data-constrained (Muennighoff et al. 2023; needs unique_tokens), isoflop\n"
      "(Approach 2) and envelope (Approach 1).\n"
      "CSV: N,D,loss[,C,step,unique_tokens,label,run_id], C,N,D,loss, or Epoch AI's\n"
      "'Model Size','Training FLOP',loss (D = C/6N).\n\n"
      "A parametric fit is judged degenerate (fitting/degeneracy.hpp) when a parameter is not\n"
      "finite, a parameter sits at or beyond its plausible range, an exponent lies outside\n"
      "[0.05, 2] (published fits span about 0.05-2), starts tie the best objective at different\n"
      "parameters (not identified), or a bootstrap interval is unbounded or its refits reach a\n"
      "bound. The table says DEGENERATE and why; the fit is still stored, but predict --fit ID\n"
      "and plan --rule fit:ID refuse it (exit 2, one line naming the fit and the reason).\n"
      "JSON (--format json): law, formula, params {name: value}, intervals {name: [lo, hi]},\n"
      "level, objective, n_points, n_dropped, converged, termination, iterations, starts\n"
      "{total, converged, at_best, disagreeing}, fixed, flags {at_bound, starts_disagree},\n"
      "degenerate (bool), reason (why it is degenerate; null when not), kernel (the\n"
      "SIMD build of the chinchilla objective: generic, avx2, avx512; null for other laws),\n"
      "bootstrap {resamples, failed, seed, grid_starts}, residuals {rms, max_abs}; fit_id and\n"
      "input_hash when stored. A number that is not finite is null: a parameter that\n"
      "overflowed, an unbounded interval end ([lo, null]).\n"
      "Environment: SCALELAB_KERNEL=generic|avx2|avx512 forces the chinchilla objective's\n"
      "SIMD build (default: the fastest this CPU runs), to reproduce a fit on every path.");
  p.add_positional("sweep", 1);
  p.add()("sweep", po::value<std::string>(), "sweep name (in --db)");
  p.add()("csv", po::value<std::string>(), "observations to fit instead of a sweep");
  p.add()("law", po::value<std::string>()->default_value("chinchilla"), "law to fit (see above)");
  p.add()("drop-highest", po::value<int>()->default_value(0),
          "drop the K runs with the highest loss first");
  p.add()("bootstrap", po::value<int>()->default_value(1000),
          "bootstrap resamples for intervals (0: point estimate only)");
  p.add()("seed", po::value<std::uint64_t>()->default_value(0), "bootstrap seed");
  p.add()("level", po::value<double>()->default_value(0.95), "interval level");
  p.add()("delta", po::value<double>()->default_value(1e-3), "Huber delta on log residuals");
  p.add()("fix", po::value<std::vector<std::string>>()->composing(),
          "hold a parameter fixed: NAME=VALUE (repeatable), e.g. --fix alpha=0.34");
  p.add()("threads", po::value<int>()->default_value(0), "threads (0: all cores)");
  p.add()("grouping", po::value<std::string>()->default_value("exact"),
          "isoflop: budgets grouped 'exact' (planned sweeps) or in 'log-bins'");
  p.add()("bins-per-decade", po::value<double>(),
          "isoflop log-bins (default 4) / envelope bins (default 10) per decade of C");
  p.add()("no-save", po::bool_switch(), "do not store the fit in the database");
  p.add_format_option();
  p.add_db_option();
  if (!p.parse(args)) return 0;

  FitCommandOptions o;
  o.format = p.format();
  o.db_path = p.db_path();
  o.save = !p.get<bool>("no-save");
  auto& r = o.request;
  r.law = p.get<std::string>("law");
  r.fit.drop_highest = p.get<int>("drop-highest");
  r.fit.delta = p.get<double>("delta");
  r.fit.lbfgs.threads = p.get<int>("threads");
  if (p.has("fix"))
    for (const auto& f : p.get<std::vector<std::string>>("fix")) r.fit.fixed.insert(parse_fixed(f));
  r.bootstrap.resamples = p.get<int>("bootstrap");
  r.bootstrap.seed = p.get<std::uint64_t>("seed");
  r.bootstrap.level = p.get<double>("level");
  r.bootstrap.threads = r.fit.lbfgs.threads;
  r.isoflop.level = r.envelope.level = r.bootstrap.level;
  const std::string grouping = p.get<std::string>("grouping");
  if (grouping == "exact")
    r.isoflop.grouping = fitting::IsoflopOptions::Grouping::kExact;
  else if (grouping == "log-bins")
    r.isoflop.grouping = fitting::IsoflopOptions::Grouping::kLogBins;
  else
    throw InputError(fmt::format("--grouping: '{}' (accepted: exact, log-bins)", grouping));
  if (p.has("bins-per-decade"))
    r.isoflop.bins_per_decade = r.envelope.bins_per_decade = p.get<double>("bins-per-decade");
  bool known = false;
  for (const auto& k : fitting::fit_kinds()) known = known || k == r.law;
  if (!known)
    throw InputError(fmt::format("--law: unknown law '{}' (accepted: {})", r.law,
                                 fmt::format("{}", fmt::join(fitting::fit_kinds(), ", "))));
  if (p.has("sweep") == p.has("csv"))
    throw InputError("give the runs to fit: a sweep name or --csv FILE (not both)");
  if (p.has("csv")) {
    o.source = p.get<std::string>("csv");
    return fit_and_report(read_observations_csv(o.source), o);
  }
  const study::RunSet runs = study::read_sweep_runs(o.db_path, p.get<std::string>("sweep"));
  o.source = runs.source;
  const study::ParamCount count = runs.planned_count.value_or(study::ParamCount::kTotal);
  if (r.law == "envelope") {
    const std::vector<Observation> curves = runs.curve_observations(count);
    if (curves.empty())
      throw InputError(fmt::format("{}: no logged training curves for the envelope", o.source));
    return fit_and_report(curves, o);
  }
  return fit_and_report(runs.fit_observations(count), o);
}

}  // namespace scalelab::apps
