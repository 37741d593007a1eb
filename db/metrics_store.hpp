// Typed queries for the metrics of runs (schema v1 table `metrics`, v3 `ingest_cursors`).
//
// Ingest is idempotent: a row is keyed by (run_id, step) and an upsert merges into the row of
// a step already stored (each value given replaces the stored one; a value not given keeps
// it, so a trainer may log a step's training and evaluation numbers on separate lines), so
// re-reading a metrics file after a crash of any process neither loses nor duplicates a row. Rows
// are written in short BEGIN IMMEDIATE transactions of at most kMetricsBatchRows rows each, so that
// many writers (one coordinator per sweep, several sweeps, `scalelab import`) share one file
// without long lock waits.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "db/sqlite.hpp"

namespace scalelab::db {

// Rows per write transaction: large enough that the commit (one fsync of the WAL at
// synchronous=NORMAL: none) is amortised, small enough that a writer holds the lock for
// well under a millisecond per batch on the smallest machine we run on.
inline constexpr std::size_t kMetricsBatchRows = 256;

// One logged optimizer step. A value the trainer did not report is nullopt; SQLite stores a
// NaN as NULL, so non-finite losses are flagged by the caller (sweeps/divergence.hpp) before
// they reach here.
struct MetricRow {
  std::int64_t step = 0;
  std::optional<double> tokens;  // tokens seen so far
  std::optional<double> train_loss, eval_loss, lr, grad_norm, tokens_per_s;
};

// Where incremental ingest of one file stopped: only whole lines are consumed.
struct IngestCursor {
  std::string file;
  std::int64_t byte_offset = 0;
  std::int64_t line_count = 0;
  std::string last_line;  // the last consumed line, to detect a file rewritten meanwhile
};

// Upserts `rows` for `run_id` in batches of kMetricsBatchRows; when `cursor` is given it is
// stored in the same transaction as the last batch, so rows and cursor never disagree (a crash
// in between leaves rows that the next ingest upserts again). Throws scalelab::Error.
void upsert_metrics(Database& db, std::int64_t run_id, std::span<const MetricRow> rows,
                    const IngestCursor* cursor = nullptr);

// The stored cursor of `file` for `run_id`, or a cursor at offset 0.
IngestCursor load_ingest_cursor(Database& db, std::int64_t run_id, const std::string& file);
// Forgets every cursor of the run (its files will be read from the start again).
void reset_ingest_cursors(Database& db, std::int64_t run_id);

// All rows of a run in step order.
std::vector<MetricRow> list_metrics(Database& db, std::int64_t run_id);
std::int64_t count_metrics(Database& db, std::int64_t run_id);
// The row with the largest step, if any.
std::optional<MetricRow> latest_metric(Database& db, std::int64_t run_id);
// The last non-null train and eval losses of a run (by step), for runs whose trainer wrote no
// summary.
struct LastLosses {
  std::optional<double> train_loss, eval_loss;
};
LastLosses last_losses(Database& db, std::int64_t run_id);

}  // namespace scalelab::db
