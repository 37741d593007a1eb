#include <doctest/doctest.h>

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "db/metrics_store.hpp"
#include "db/run_store.hpp"
#include "db/schema.hpp"
#include "db/sweep_store.hpp"
#include "test_util.hpp"

using namespace scalelab;

namespace {

// A database with one sweep of `n` pending runs; returns the run ids.
std::vector<std::int64_t> make_sweep(db::Database& d, int n, const std::string& name = "s") {
  db::SweepRecord sweep{0, name, "", "plan", "{}"};
  std::vector<db::RunRecord> runs(n);
  for (int i = 0; i < n; ++i) {
    runs[i].name = fmt::format("r{}", i);
    runs[i].params = 1e4 * (i + 1);
    runs[i].tokens = 1e6;
    runs[i].flops = 6e10 * (i + 1);
  }
  db::insert_sweep(d, sweep, runs);
  std::vector<std::int64_t> ids;
  for (const auto& r : runs) ids.push_back(r.id);
  return ids;
}

}  // namespace

TEST_CASE("metrics upsert: re-ingesting the same rows duplicates nothing") {
  db::Database d = db::open_database(testing::temp_dir("upsert") + "/t.db");
  const auto ids = make_sweep(d, 1);
  std::vector<db::MetricRow> rows;
  for (int s = 1; s <= 1000; ++s) {  // more than kMetricsBatchRows: several transactions
    db::MetricRow m;
    m.step = s;
    m.tokens = 100.0 * s;
    m.train_loss = 3.0 / s;
    rows.push_back(m);
  }
  db::upsert_metrics(d, ids[0], rows);
  db::upsert_metrics(d, ids[0], rows);
  CHECK(db::count_metrics(d, ids[0]) == 1000);
  const auto stored = db::list_metrics(d, ids[0]);
  REQUIRE(stored.size() == 1000);
  CHECK(stored[499].step == 500);
  CHECK(*stored[499].train_loss == 3.0 / 500);
  CHECK(db::latest_metric(d, ids[0])->step == 1000);
}

TEST_CASE("metrics upsert merges a step's train and eval lines and replaces given values") {
  db::Database d = db::open_database(testing::temp_dir("merge") + "/t.db");
  const auto ids = make_sweep(d, 1);
  db::MetricRow train;
  train.step = 10;
  train.tokens = 1000;
  train.train_loss = 2.5;
  train.lr = 1e-3;
  db::MetricRow eval;
  eval.step = 10;
  eval.tokens = 1000;
  eval.eval_loss = 2.7;
  db::upsert_metrics(d, ids[0], std::vector{train});
  db::upsert_metrics(d, ids[0], std::vector{eval});
  auto rows = db::list_metrics(d, ids[0]);
  REQUIRE(rows.size() == 1);
  CHECK(*rows[0].train_loss == 2.5);
  CHECK(*rows[0].eval_loss == 2.7);
  CHECK(*rows[0].lr == 1e-3);
  train.train_loss = 2.4;  // a resumed attempt re-logs the step
  db::upsert_metrics(d, ids[0], std::vector{train});
  rows = db::list_metrics(d, ids[0]);
  CHECK(*rows[0].train_loss == 2.4);
  CHECK(*rows[0].eval_loss == 2.7);
  const db::LastLosses last = db::last_losses(d, ids[0]);
  CHECK(*last.train_loss == 2.4);
  CHECK(*last.eval_loss == 2.7);
}

TEST_CASE("the ingest cursor commits with the rows it covers") {
  db::Database d = db::open_database(testing::temp_dir("cursor") + "/t.db");
  const auto ids = make_sweep(d, 1);
  CHECK(db::load_ingest_cursor(d, ids[0], "/x/metrics.jsonl").byte_offset == 0);
  db::MetricRow m;
  m.step = 1;
  const db::IngestCursor c{"/x/metrics.jsonl", 42, 1, "{\"step\":1}"};
  db::upsert_metrics(d, ids[0], std::vector{m}, &c);
  const db::IngestCursor back = db::load_ingest_cursor(d, ids[0], "/x/metrics.jsonl");
  CHECK(back.byte_offset == 42);
  CHECK(back.line_count == 1);
  CHECK(back.last_line == "{\"step\":1}");
  db::reset_ingest_cursors(d, ids[0]);
  CHECK(db::load_ingest_cursor(d, ids[0], "/x/metrics.jsonl").byte_offset == 0);
}
