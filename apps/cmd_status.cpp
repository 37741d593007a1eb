// scalelab status [NAME]: every sweep with its counts, or one sweep's runs.
#include <iostream>

#include "apps/cli.hpp"
#include "db/schema.hpp"
#include "db/sweep_store.hpp"
#include "sweeps/run_report.hpp"

namespace scalelab::apps {

int run_status(const Args& args) {
  OptionParser p("scalelab status [NAME] [--format table|csv|json] [--db PATH]",
                 "Without NAME: every sweep in the database with its runs counted by status.\n"
                 "With NAME: one row per run: status, N, D, progress (step / planned steps),\n"
                 "latest tokens/s, final (else latest) train and eval loss, attempts, and the\n"
                 "reason of a failure or divergence.");
  p.add()("name", po::value<std::string>(), "a sweep");
  p.add_positional("name", 1);
  p.add_format_option();
  p.add_db_option();
  if (!p.parse(args)) return 0;
  const Format format = p.format();
  db::Database db = db::open_existing_database(p.db_path());
  if (!p.has("name")) {
    sweeps::sweeps_table(db).print(std::cout, format);
    return 0;
  }
  const db::SweepRecord sweep = db::require_sweep(db, p.get<std::string>("name"));
  sweeps::status_table(db, sweep.id).print(std::cout, format);
  return 0;
}

}  // namespace scalelab::apps
