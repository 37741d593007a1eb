// Ingest of a run directory into SQLite: the new whole lines of its metrics file, upserted by
// (run, step) together with the file cursor, so ingest is incremental, idempotent and safe to
// repeat after a crash of any process (DESIGN.md, storage rules).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "db/metrics_store.hpp"
#include "db/sqlite.hpp"
#include "sweeps/divergence.hpp"

namespace scalelab::sweeps {

struct IngestResult {
  std::size_t rows = 0;                 // lines ingested by this call
  std::optional<db::MetricRow> latest;  // the row with the largest step among them
};

// Ingests the new lines of `metrics_path` for `run_id`; every row is also fed to `detector`
// (when given) in file order. Throws InputError "path:line: ..." for a malformed line (nothing
// of this call is stored then).
IngestResult ingest_metrics_file(db::Database& db, std::int64_t run_id,
                                 const std::string& metrics_path,
                                 DivergenceDetector* detector = nullptr);

// Final losses a trainer reports in RUN_DIR/summary.json: keys final_train_loss and
// final_eval_loss (numbers; either may be absent). nullopt when there is no readable file.
struct SummaryLosses {
  std::optional<double> train_loss, eval_loss;
};
std::optional<SummaryLosses> read_summary(const std::string& run_dir);

}  // namespace scalelab::sweeps
