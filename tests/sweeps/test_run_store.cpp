#include <doctest/doctest.h>

#include "db/run_store.hpp"
#include "db/schema.hpp"
#include "db/status_store.hpp"
#include "db/sweep_store.hpp"
#include "lib/error.hpp"
#include "test_util.hpp"

using namespace scalelab;

TEST_CASE("run lifecycle: claim, requeue after a crash, finish; illegal moves throw") {
  db::Database d = db::open_database(testing::temp_dir("lifecycle") + "/t.db");
  CHECK(db::schema_version(d) == db::current_schema_version());
  db::SweepRecord sweep{0, "s", "", "plan", "{}"};
  std::vector<db::RunRecord> runs(1);
  runs[0].name = "r";
  runs[0].params = 1e4;
  runs[0].tokens = 1e6;
  runs[0].flops = 6e10;
  db::insert_sweep(d, sweep, runs);
  const std::int64_t id = runs[0].id;

  CHECK_THROWS_AS(db::finish_run(d, id, {db::RunStatus::kDone, 1.0, 1.0, {}, {}}),
                  Error);  // not running
  const db::ClaimInfo info{"/runs/s/r", "local", "host", "cpu", "{\"x\":1}"};
  REQUIRE(db::claim_run(d, id, info));
  CHECK_FALSE(db::claim_run(d, id, info));  // already running: a second coordinator loses
  db::set_backend_job(d, id, "123:456");
  auto life = db::load_lifecycle(d, id);
  CHECK(life.status == db::RunStatus::kRunning);
  CHECK(life.attempts == 1);
  CHECK(*life.backend_job == "123:456");
  CHECK(*life.run_dir == "/runs/s/r");

  db::requeue_run(d, id, true, std::string("killed by signal 9"));
  life = db::load_lifecycle(d, id);
  CHECK(life.status == db::RunStatus::kPending);
  CHECK(life.failures == 1);
  CHECK_FALSE(life.backend_job);
  REQUIRE(db::claim_run(d, id, info));
  db::requeue_run(d, id, false, std::nullopt);  // an interrupted coordinator: no failure
  CHECK(db::load_lifecycle(d, id).failures == 1);
  REQUIRE(db::claim_run(d, id, info));
  CHECK(db::load_lifecycle(d, id).attempts == 3);

  db::finish_run(d, id,
                 {db::RunStatus::kDiverged, {}, {}, std::string("train_loss is nan at step 7"), 7});
  const db::RunRecord r = db::load_run(d, id);
  CHECK(r.status == db::RunStatus::kDiverged);
  CHECK(*r.last_error == "train_loss is nan at step 7");
  CHECK(r.ended_at.has_value());
  CHECK(*db::load_lifecycle(d, id).diverged_step == 7);
  CHECK_THROWS_AS(db::requeue_run(d, id, true, std::nullopt), Error);  // final stays final
  CHECK_FALSE(db::claim_run(d, id, info));
  CHECK_THROWS_AS(db::finish_run(d, id, {db::RunStatus::kPending, {}, {}, {}, {}}), Error);

  const auto counts = db::sweep_counts(d);
  REQUIRE(counts.size() == 1);
  CHECK(counts[0].by_status.total() == 1);
  CHECK(counts[0].by_status[db::RunStatus::kDiverged] == 1);
}
