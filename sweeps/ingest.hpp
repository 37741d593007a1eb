// Ingest of a run directory into SQLite: the new whole lines of its metrics file, upserted by
// (run, step) together with the file cursor, so ingest is incremental, idempotent and safe to
// repeat after a crash of any process (DESIGN.md, storage rules). A file rewritten meanwhile
// (a resumed worker keeps only the steps before its checkpoint) is read again from its start;
// rows already stored for later steps stay until the new attempt logs them again.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/metrics_store.hpp"
#include "db/sqlite.hpp"
#include "sweeps/divergence.hpp"

namespace scalelab::sweeps {

struct IngestOptions {
  DivergenceDetector* detector = nullptr;  // fed every row, in file order, when given
  // Whether the process writing the file has ended. While it runs, a malformed LAST line is
  // left unread (a crash left it torn and the resumed worker rewrites the file, or it is
  // completed by the next line's arrival); once it ended, that line is skipped with a warning.
  bool writer_ended = false;
};

struct IngestResult {
  std::size_t rows = 0;                 // rows ingested by this call
  std::optional<db::MetricRow> latest;  // the row with the largest step among them
  bool restarted = false;               // the file was read again from its start
  std::vector<std::string> warnings;    // "path:line: ..." for damaged lines skipped or salvaged
};

// Ingests the new lines of `metrics_path` for `run_id`. Throws InputError "path:line: ..." for
// a malformed line before the last one that holds no whole row (nothing of this call is
// stored then).
IngestResult ingest_metrics_file(db::Database& db, std::int64_t run_id,
                                 const std::string& metrics_path,
                                 const IngestOptions& options = {});

// Final losses a trainer reports in RUN_DIR/summary.json: keys final_train_loss and
// final_eval_loss (numbers; either may be absent). nullopt when there is no readable file.
struct SummaryLosses {
  std::optional<double> train_loss, eval_loss;
};
std::optional<SummaryLosses> read_summary(const std::string& run_dir);

}  // namespace scalelab::sweeps
