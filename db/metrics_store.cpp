#include "db/metrics_store.hpp"

#include <algorithm>

#include "lib/crash_point.hpp"

namespace scalelab::db {
namespace {

constexpr const char* kMetricColumns =
    "step, tokens, train_loss, eval_loss, lr, grad_norm, tokens_per_s";

MetricRow read_row(const Statement& s) {
  MetricRow r;
  r.step = s.column_int(0);
  r.tokens = s.column_optional_double(1);
  r.train_loss = s.column_optional_double(2);
  r.eval_loss = s.column_optional_double(3);
  r.lr = s.column_optional_double(4);
  r.grad_norm = s.column_optional_double(5);
  r.tokens_per_s = s.column_optional_double(6);
  return r;
}

}  // namespace

void upsert_metrics(Database& db, std::int64_t run_id, std::span<const MetricRow> rows,
                    const IngestCursor* cursor) {
  if (rows.empty() && !cursor) return;
  std::size_t begin = 0;
  do {
    const std::size_t end = std::min(rows.size(), begin + kMetricsBatchRows);
    Transaction tx(db);
    Statement insert = db.prepare(
        "INSERT INTO metrics (run_id, step, tokens, train_loss, eval_loss, lr, grad_norm, "
        "tokens_per_s) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
        "ON CONFLICT (run_id, step) DO UPDATE SET "
        "tokens = coalesce(excluded.tokens, tokens), "
        "train_loss = coalesce(excluded.train_loss, train_loss), "
        "eval_loss = coalesce(excluded.eval_loss, eval_loss), "
        "lr = coalesce(excluded.lr, lr), grad_norm = coalesce(excluded.grad_norm, grad_norm), "
        "tokens_per_s = coalesce(excluded.tokens_per_s, tokens_per_s)");
    for (std::size_t i = begin; i < end; ++i) {
      const MetricRow& r = rows[i];
      insert.bind(1, run_id)
          .bind(2, r.step)
          .bind(3, r.tokens)
          .bind(4, r.train_loss)
          .bind(5, r.eval_loss)
          .bind(6, r.lr)
          .bind(7, r.grad_norm)
          .bind(8, r.tokens_per_s)
          .run();
      if (i == begin) crash_point("upsert_metrics:mid_transaction");
    }
    if (cursor && end == rows.size()) {
      db.prepare(
            "INSERT INTO ingest_cursors (run_id, file, byte_offset, line_count, last_line) "
            "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (run_id, file) DO UPDATE SET "
            "byte_offset = excluded.byte_offset, line_count = excluded.line_count, "
            "last_line = excluded.last_line")
          .bind(1, run_id)
          .bind(2, cursor->file)
          .bind(3, cursor->byte_offset)
          .bind(4, cursor->line_count)
          .bind(5, cursor->last_line)
          .run();
    }
    crash_point("upsert_metrics:before_commit");
    tx.commit();
    crash_point("upsert_metrics:after_commit");
    begin = end;
  } while (begin < rows.size());
}

IngestCursor load_ingest_cursor(Database& db, std::int64_t run_id, const std::string& file) {
  Statement s = db.prepare(
      "SELECT byte_offset, line_count, last_line FROM ingest_cursors WHERE run_id = ?1 AND "
      "file = ?2");
  s.bind(1, run_id).bind(2, file);
  IngestCursor c;
  c.file = file;
  if (s.step()) {
    c.byte_offset = s.column_int(0);
    c.line_count = s.column_int(1);
    c.last_line = s.column_text(2);
  }
  return c;
}

void reset_ingest_cursors(Database& db, std::int64_t run_id) {
  Transaction tx(db);
  db.prepare("DELETE FROM ingest_cursors WHERE run_id = ?1").bind(1, run_id).run();
  tx.commit();
}

std::vector<MetricRow> list_metrics(Database& db, std::int64_t run_id) {
  Statement s = db.prepare(std::string("SELECT ") + kMetricColumns +
                           " FROM metrics WHERE run_id = ?1 ORDER BY step");
  s.bind(1, run_id);
  std::vector<MetricRow> out;
  while (s.step()) out.push_back(read_row(s));
  return out;
}

std::int64_t count_metrics(Database& db, std::int64_t run_id) {
  Statement s = db.prepare("SELECT count(*) FROM metrics WHERE run_id = ?1");
  s.bind(1, run_id);
  s.step();
  return s.column_int(0);
}

std::optional<MetricRow> latest_metric(Database& db, std::int64_t run_id) {
  Statement s = db.prepare(std::string("SELECT ") + kMetricColumns +
                           " FROM metrics WHERE run_id = ?1 ORDER BY step DESC LIMIT 1");
  s.bind(1, run_id);
  if (!s.step()) return std::nullopt;
  return read_row(s);
}

LastLosses last_losses(Database& db, std::int64_t run_id) {
  LastLosses out;
  Statement train = db.prepare(
      "SELECT train_loss FROM metrics WHERE run_id = ?1 AND train_loss IS NOT NULL "
      "ORDER BY step DESC LIMIT 1");
  train.bind(1, run_id);
  if (train.step()) out.train_loss = train.column_double(0);
  Statement eval = db.prepare(
      "SELECT eval_loss FROM metrics WHERE run_id = ?1 AND eval_loss IS NOT NULL "
      "ORDER BY step DESC LIMIT 1");
  eval.bind(1, run_id);
  if (eval.step()) out.eval_loss = eval.column_double(0);
  return out;
}

}  // namespace scalelab::db
