// scalelab validate: hold out the largest budget (or the largest models), fit the rest and
// report the error of each held-out prediction.
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "apps/cli.hpp"
#include "fitting/validate.hpp"
#include "lib/error.hpp"
#include "study/run_set.hpp"

namespace scalelab::apps {

int run_validate(const Args& args) {
  OptionParser p(
      "scalelab validate SWEEP|--csv FILE [--law LAW] [--hold-out budget|params] [options]",
      "Holds out the runs of the largest compute budget (or of the largest N): every run within\n"
      "a factor --factor (default 10^0.25) of the largest; fits the law on the rest (point\n"
      "estimate, full start grid), predicts each held-out run and prints its relative error and\n"
      "the mean absolute relative error.");
  p.add_positional("sweep", 1);
  p.add()("sweep", po::value<std::string>(), "sweep name (its done runs, in --db)");
  p.add()("csv", po::value<std::string>(),
          "observations instead of a sweep (same layouts as `scalelab fit`)");
  p.add()("law", po::value<std::string>()->default_value("chinchilla"), "parametric law to fit");
  p.add()("hold-out", po::value<std::string>()->default_value("budget"),
          "hold out the largest 'budget' or the largest 'params'");
  p.add()("factor", po::value<double>()->default_value(1.7782794100389228),
          "runs within this factor of the largest are held out");
  p.add()("drop-highest", po::value<int>()->default_value(0),
          "drop the K training runs with the highest loss");
  p.add()("threads", po::value<int>()->default_value(0), "threads (0: all cores)");
  p.add_format_option();
  p.add_db_option();
  if (!p.parse(args)) return 0;
  const Format format = p.format();
  fitting::HoldoutOptions o;
  const std::string by = p.get<std::string>("hold-out");
  if (by == "budget")
    o.by = fitting::HoldoutOptions::By::kLargestBudget;
  else if (by == "params")
    o.by = fitting::HoldoutOptions::By::kLargestParams;
  else
    throw InputError(fmt::format("--hold-out: '{}' (accepted: budget, params)", by));
  o.factor = p.get<double>("factor");
  o.fit.drop_highest = p.get<int>("drop-highest");
  o.fit.lbfgs.threads = p.get<int>("threads");
  const auto& law = fitting::find_law(p.get<std::string>("law"));
  if (p.has("sweep") == p.has("csv"))
    throw InputError("give the runs: a sweep name or --csv FILE (not both)");
  const std::vector<Observation> runs =
      p.has("csv") ? read_observations_csv(p.get<std::string>("csv"))
                   : study::read_sweep_runs(p.db_path(), p.get<std::string>("sweep"))
                         .fit_observations(study::ParamCount::kTotal);
  const auto result = fitting::validate_holdout(law, runs, o);

  Table t({"where", "params", "tokens", "flops", "loss", "predicted", "relative_error"});
  for (const auto& h : result.held_out)
    t.add_row({Cell::text(h.run.where), Cell::si(h.run.params), Cell::si(h.run.tokens),
               Cell::si(h.run.flops), Cell::fixed(h.run.loss, 4), Cell::fixed(h.predicted, 4),
               Cell::fixed(h.relative_error, 4)});
  if (format == Format::kJson) {
    nlohmann::json doc;
    doc["law"] = law.name;
    doc["hold_out"] = by;
    doc["threshold"] = result.threshold;
    doc["n_train"] = result.fit.n_points;
    doc["fit"] = {{"params", nlohmann::json::object()},
                  {"objective", result.fit.objective},
                  {"converged", result.fit.converged},
                  {"termination", result.fit.termination}};
    for (std::size_t i = 0; i < result.fit.names.size(); ++i)
      doc["fit"]["params"][result.fit.names[i]] = result.fit.values[i];
    doc["held_out"] = t.to_json();
    doc["mean_abs_relative_error"] = result.mean_abs_relative_error;
    print_json(std::cout, doc);
    return 0;
  }
  if (format == Format::kCsv) {
    t.print_csv(std::cout);
    return 0;
  }
  std::cout << fmt::format("fit {} on {} runs ({} >= {:.4g} held out); converged {}\n", law.name,
                           result.fit.n_points, by == "budget" ? "C" : "N", result.threshold,
                           result.fit.converged ? "yes" : "NO");
  t.print_table(std::cout);
  std::cout << fmt::format("mean absolute relative error {:.4f} over {} held-out runs\n",
                           result.mean_abs_relative_error, result.held_out.size());
  return 0;
}

}  // namespace scalelab::apps
