// Eight processes write metrics to one database at once, as eight coordinators (or imports)
// would: every write is a short BEGIN IMMEDIATE transaction and the busy timeout makes writers
// wait their turn, so no writer sees SQLITE_BUSY and no row is lost.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cstdio>
#include <exception>

#include "db/metrics_store.hpp"
#include "db/schema.hpp"
#include "db/sweep_store.hpp"
#include "test_util.hpp"

using namespace scalelab;

namespace {

constexpr int kWriters = 8;
constexpr int kRowsPerWriter = 3000;  // own run
constexpr int kRowsPerCall = 25;      // one transaction each: many interleavings

// Child: writes its own run's rows and its share of the shared run's steps.
int writer(const std::string& path, std::int64_t own_run, std::int64_t shared_run, int index) {
  try {
    db::Database d = db::open_database(path);
    std::vector<db::MetricRow> batch, shared;
    for (int s = 1; s <= kRowsPerWriter; ++s) {
      db::MetricRow m;
      m.step = s;
      m.tokens = 256.0 * s;
      m.train_loss = 3.0 + index + 1.0 / s;
      batch.push_back(m);
      db::MetricRow x = m;
      x.step = static_cast<std::int64_t>(s) * kWriters + index;  // disjoint steps per writer
      shared.push_back(x);
      if (batch.size() == kRowsPerCall) {
        db::upsert_metrics(d, own_run, batch);
        db::upsert_metrics(d, shared_run, shared);
        batch.clear();
        shared.clear();
      }
    }
    db::upsert_metrics(d, own_run, batch);
    db::upsert_metrics(d, shared_run, shared);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "writer %d: %s\n", index, e.what());
    return 1;
  }
}

}  // namespace

TEST_CASE("8 processes write metrics to one database: no busy errors, no lost rows") {
  const std::string path = testing::temp_dir("writers") + "/t.db";
  std::vector<std::int64_t> ids;
  {
    db::Database d = db::open_database(path);
    db::SweepRecord sweep{0, "w", "", "plan", "{}"};
    std::vector<db::RunRecord> runs(kWriters + 1);
    for (int i = 0; i <= kWriters; ++i) {
      runs[i].name = fmt::format("r{}", i);
      runs[i].params = 1e4;
      runs[i].tokens = 1e6;
      runs[i].flops = 6e10;
    }
    db::insert_sweep(d, sweep, runs);
    for (const auto& r : runs) ids.push_back(r.id);
  }
  std::vector<pid_t> children;
  for (int i = 0; i < kWriters; ++i) {
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) ::_exit(writer(path, ids[i], ids[kWriters], i));
    children.push_back(pid);
  }
  int failed = 0;
  for (pid_t pid : children) failed += testing::wait_process(pid) != 0;
  CHECK(failed == 0);

  db::Database d = db::open_database(path);
  for (int i = 0; i < kWriters; ++i) {
    CHECK(db::count_metrics(d, ids[i]) == kRowsPerWriter);
    const auto rows = db::list_metrics(d, ids[i]);
    REQUIRE(rows.size() == kRowsPerWriter);
    CHECK(*rows.back().train_loss == 3.0 + i + 1.0 / kRowsPerWriter);
  }
  CHECK(db::count_metrics(d, ids[kWriters]) == kWriters * kRowsPerWriter);
  db::Statement total = d.prepare("SELECT count(*) FROM metrics");
  REQUIRE(total.step());
  CHECK(total.column_int(0) == 2 * kWriters * kRowsPerWriter);
}
