#include <doctest/doctest.h>

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <limits>

#include "db/metrics_store.hpp"
#include "db/run_store.hpp"
#include "db/schema.hpp"
#include "db/sweep_store.hpp"
#include "lib/error.hpp"
#include "sweeps/ingest.hpp"
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

// Damaged metrics.jsonl (issue 16, item 4): a whole last line that is garbled is left for the
// next read while its writer runs, and skipped with one warning naming the file and line once it
// has ended; a torn line followed by a whole row keeps the row; a bad line before the last one
// is an error naming the file and line, and stores nothing.
TEST_CASE("ingest: a garbled or torn last line of metrics.jsonl, and one before the last") {
  const std::string dir = testing::temp_dir("ingest_damaged");
  db::Database d = db::open_database(dir + "/s.db");
  const auto ids = make_sweep(d, 3);
  const std::string path = dir + "/metrics.jsonl";
  {
    std::ofstream out(path);
    out << "{\"step\":1,\"train_loss\":3.0}\n{\"step\":2,\"train_loss\":2.9}\n"
        << "{\"step\":3,\"train_lo\x01ss\":##}\n";
  }
  sweeps::IngestResult r = sweeps::ingest_metrics_file(d, ids[0], path, {});
  CHECK(r.rows == 2);
  CHECK(r.warnings.empty());
  CHECK(db::count_metrics(d, ids[0]) == 2);
  sweeps::IngestOptions ended;
  ended.writer_ended = true;
  r = sweeps::ingest_metrics_file(d, ids[0], path, ended);
  CHECK(r.rows == 0);
  REQUIRE(r.warnings.size() == 1);
  CHECK_MESSAGE(r.warnings[0].find("skipped a damaged last line: " + path + ":3: ") == 0,
                r.warnings[0]);
  CHECK(r.warnings[0].find('\n') == std::string::npos);
  CHECK(db::count_metrics(d, ids[0]) == 2);  // nothing else lost, nothing invented

  // A crash mid-write, then the resumed trainer appended a whole row to the torn one.
  const std::string torn = dir + "/torn.jsonl";
  {
    std::ofstream out(torn);
    out << "{\"step\":1,\"train_loss\":3.0}\n{\"step\":2,\"train_l{\"step\":2,\"train_loss\":2.8}\n"
        << "{\"step\":3,\"train_loss\":2.7}\n";
  }
  r = sweeps::ingest_metrics_file(d, ids[1], torn, {});
  CHECK(r.rows == 3);
  REQUIRE(r.warnings.size() == 1);
  CHECK(r.warnings[0].find(torn + ":2: a torn line (a crash mid-write) before a whole row: kept "
                                  "the row of step 2") == 0);
  CHECK(*db::last_losses(d, ids[1]).train_loss == 2.7);

  // Garbage before the last line is no crash artefact: an error naming it, nothing stored.
  const std::string bad = dir + "/bad.jsonl";
  {
    std::ofstream out(bad);
    out << "{\"step\":1,\"train_loss\":3.0}\nnot json\n{\"step\":3,\"train_loss\":2.7}\n";
  }
  std::string message;
  try {
    sweeps::ingest_metrics_file(d, ids[2], bad, ended);
  } catch (const InputError& e) {
    message = e.what();
  }
  CHECK_MESSAGE(message.find(bad + ":2: ") == 0, message);
  CHECK(db::count_metrics(d, ids[2]) == 0);
}
