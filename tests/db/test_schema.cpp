#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "db/fit_store.hpp"
#include "db/schema.hpp"
#include "db/sweep_store.hpp"
#include "lib/error.hpp"

using namespace scalelab;
namespace fs = std::filesystem;

namespace {

// A fresh database path in a fresh temporary directory.
std::string temp_db(const char* tag) {
  const fs::path dir = fs::temp_directory_path() /
                       ("scalelab_test_" + std::string(tag) + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return (dir / "test.db").string();
}

}  // namespace

TEST_CASE("a new database is created in WAL mode at the current schema version") {
  const std::string path = temp_db("create");
  db::Database d = db::open_database(path);
  CHECK(db::schema_version(d) == db::current_schema_version());
  db::Statement mode = d.prepare("PRAGMA journal_mode");
  REQUIRE(mode.step());
  CHECK(mode.column_text(0) == "wal");
  for (const char* table : {"sweeps", "runs", "metrics", "fits", "predictions"}) {
    db::Statement s =
        d.prepare("SELECT count(*) FROM sqlite_master WHERE type='table' AND name=?1");
    s.bind(1, table);
    REQUIRE(s.step());
    CHECK_MESSAGE(s.column_int(0) == 1, table);
  }
}

TEST_CASE("migration from version 1 keeps the data and reaches the current version") {
  const std::string path = temp_db("migrate");
  {
    db::Database d(path);
    db::migrate(d, 1);
    CHECK(db::schema_version(d) == 1);
    db::SweepRecord sweep{0, "old", "", "plan", "{}"};
    std::vector<db::RunRecord> runs(1);
    runs[0].name = "r1";
    runs[0].params = 1e6;
    runs[0].tokens = 2e7;
    runs[0].flops = 1.2e14;
    db::insert_sweep(d, sweep, runs);
  }
  db::Database d = db::open_database(path);
  CHECK(db::schema_version(d) == db::current_schema_version());
  const auto sweep = db::require_sweep(d, "old");
  const auto runs = db::list_runs(d, sweep.id);
  REQUIRE(runs.size() == 1);
  CHECK(runs[0].status == db::RunStatus::kPending);
  CHECK(runs[0].tokens == 2e7);
  db::migrate(d);  // idempotent
  CHECK(db::schema_version(d) == db::current_schema_version());
  d.exec("PRAGMA user_version = 99");
  CHECK_THROWS_AS(db::migrate(d), Error);
}

TEST_CASE("sweep names, duplicates and missing sweeps are clear errors") {
  const std::string path = temp_db("names");
  db::Database d = db::open_database(path);
  std::vector<db::RunRecord> none;
  db::SweepRecord bad{0, "bad name!", "", "plan", "{}"};
  CHECK_THROWS_AS(db::insert_sweep(d, bad, none), InputError);
  db::SweepRecord ok{0, "s1", "", "plan", "{}"};
  db::insert_sweep(d, ok, none);
  CHECK(ok.id > 0);
  CHECK_FALSE(ok.created_at.empty());
  db::SweepRecord again{0, "s1", "", "plan", "{}"};
  CHECK_THROWS_AS(db::insert_sweep(d, again, none), InputError);
  try {
    db::require_sweep(d, "nope");
    FAIL("found");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find("known: s1") != std::string::npos);
  }
}

TEST_CASE("a failed insert leaves nothing behind") {
  const std::string path = temp_db("atomic");
  db::Database d = db::open_database(path);
  db::SweepRecord sweep{0, "dup-runs", "", "plan", "{}"};
  std::vector<db::RunRecord> runs(2);
  for (auto& r : runs) {
    r.name = "same";  // violates UNIQUE(sweep_id, name) on the second row
    r.params = 1;
    r.tokens = 1;
    r.flops = 6;
  }
  CHECK_THROWS_AS(db::insert_sweep(d, sweep, runs), Error);
  CHECK_FALSE(db::find_sweep(d, "dup-runs").has_value());
}

TEST_CASE("fits and predictions round-trip") {
  const std::string path = temp_db("fits");
  db::Database d = db::open_database(path);
  db::FitRecord fit;
  fit.law = "chinchilla";
  fit.source = "data.csv";
  fit.input_hash = "abc";
  fit.result_json = R"({"law":"chinchilla","params":{"E":1.8}})";
  db::insert_fit(d, fit);
  CHECK(fit.id > 0);
  CHECK(db::require_fit(d, fit.id).result_json == fit.result_json);
  CHECK_THROWS_AS(db::require_fit(d, fit.id + 1), InputError);
  db::PredictionRecord p;
  p.fit_id = fit.id;
  p.kind = "loss";
  p.params = 1e9;
  p.loss = 2.5;
  db::insert_prediction(d, p);
  const auto all = db::list_predictions(d, fit.id);
  REQUIRE(all.size() == 1);
  CHECK(*all[0].loss == 2.5);
  CHECK_FALSE(all[0].run_id.has_value());
  CHECK(db::list_predictions(d, std::nullopt).size() == 1);
}
