// scalelab runs export NAME: one row per run (or per logged step with --metrics).
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "apps/cli.hpp"
#include "db/schema.hpp"
#include "db/sweep_store.hpp"
#include "lib/error.hpp"
#include "sweeps/run_report.hpp"

namespace scalelab::apps {

int run_runs(const Args& args) {
  OptionParser p(
      "scalelab runs export NAME --format csv|json [--metrics] [--db PATH]",
      "Exports the runs of sweep NAME: N, D, C, status, final train and eval losses, attempts,\n"
      "and the full config of each run. JSON (a documented interface, sweeps/run_report.hpp):\n"
      "a list of runs with run_id, status, params, tokens, flops, final_train_loss,\n"
      "final_eval_loss, config, ...; --metrics adds each run's `metrics` list of {step,\n"
      "tokens, train_loss, eval_loss, lr, grad_norm, tokens_per_s}. CSV: one row per run, or\n"
      "with --metrics one row per logged step.");
  p.add()("action", po::value<std::string>()->required(), "export")(
      "name", po::value<std::string>()->required(), "the sweep")("metrics",
                                                                 "include the training curves");
  p.add_positional("action", 1);
  p.add_positional("name", 1);
  p.add_format_option();
  p.add_db_option();
  if (!p.parse(args)) return 0;
  const std::string action = p.get<std::string>("action");
  if (action != "export")
    throw InputError(fmt::format("runs: unknown action '{}' (accepted: export)", action));
  const Format format = p.format();
  db::Database db = db::open_existing_database(p.db_path());
  const db::SweepRecord sweep = db::require_sweep(db, p.get<std::string>("name"));
  const bool metrics = p.has("metrics");
  if (format == Format::kJson) {
    print_json(std::cout, sweeps::runs_json(db, sweep.id, metrics));
  } else if (metrics) {
    sweeps::metrics_table(db, sweep.id).print(std::cout, format);
  } else {
    sweeps::runs_table(db, sweep.id).print(std::cout, format);
  }
  return 0;
}

}  // namespace scalelab::apps
