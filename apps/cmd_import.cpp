// scalelab import FILE.csv --sweep NAME: results produced elsewhere as a sweep of done runs.
#include <fmt/format.h>

#include <iostream>

#include "apps/cli.hpp"
#include "db/schema.hpp"
#include "db/sweep_store.hpp"
#include "lib/observation.hpp"
#include "sweeps/import.hpp"

namespace scalelab::apps {

int run_import(const Args& args) {
  OptionParser p(
      "scalelab import FILE.csv --sweep NAME [--db PATH]",
      "Imports training results as sweep NAME (new). Columns: N, D, loss and optional C\n"
      "(default 6·N·D), step, unique_tokens, label, run_id, in any order; the chinchilla\n"
      "toolkit's C,N,D,loss files and Epoch AI's 'Model Size','Training FLOP',loss import\n"
      "as they are. Rows sharing run_id (else label) form one run; rows with a step are its\n"
      "curve. The loss is stored as the run's final eval loss. Every bad row is reported with\n"
      "its line and nothing is imported from a file with errors.");
  p.add()("file", po::value<std::string>()->required(), "the CSV file")(
      "sweep", po::value<std::string>()->required(), "name of the new sweep");
  p.add_positional("file", 1);
  p.add_db_option();
  if (!p.parse(args)) return 0;
  const std::string file = p.get<std::string>("file");
  const std::string name = p.get<std::string>("sweep");
  db::validate_sweep_name(name, "--sweep");
  // Everything is read and validated before the database is touched.
  const std::vector<Observation> rows = read_observations_csv(file);
  db::Database db = db::open_database(p.db_path());
  const sweeps::ImportResult r = sweeps::import_observations(db, name, rows, file);
  std::cout << fmt::format("imported {} rows of {} as sweep '{}': {} runs, {} curve points\n",
                           rows.size(), file, name, r.runs, r.metric_rows);
  return 0;
}

}  // namespace scalelab::apps
