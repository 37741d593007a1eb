#include <doctest/doctest.h>

#include <fstream>

#include "db/metrics_store.hpp"
#include "db/schema.hpp"
#include "db/sweep_store.hpp"
#include "lib/error.hpp"
#include "lib/observation.hpp"
#include "sweeps/import.hpp"
#include "test_util.hpp"

using namespace scalelab;

TEST_CASE("the chinchilla toolkit's C,N,D,loss file imports as it is") {
  const std::string dir = testing::temp_dir("import");
  const std::string csv = dir + "/chinchilla.csv";
  std::ofstream(csv) << "C,N,D,loss\n6e18,1e8,1e10,3.1\n6e18,2e8,5e9,3.0\n1.2e19,2e8,1e10,2.9\n";
  db::Database d = db::open_database(dir + "/t.db");
  const auto r = sweeps::import_observations(d, "chin", read_observations_csv(csv), csv);
  CHECK(r.runs == 3);
  CHECK(r.metric_rows == 0);
  const auto runs = db::list_runs(d, db::require_sweep(d, "chin").id);
  REQUIRE(runs.size() == 3);
  CHECK(runs[0].name == "row-2");
  CHECK(runs[0].status == db::RunStatus::kDone);
  CHECK(runs[0].params == 1e8);
  CHECK(runs[0].tokens == 1e10);
  CHECK(runs[0].flops == 6e18);
  CHECK(*runs[0].final_eval_loss == 3.1);
  CHECK_FALSE(runs[0].final_train_loss);
  CHECK(runs[2].flops == 1.2e19);
  // The name is taken now: nothing more is written.
  CHECK_THROWS_WITH_AS(sweeps::import_observations(d, "chin", read_observations_csv(csv), csv),
                       doctest::Contains("already exists"), InputError);
  CHECK(db::list_sweeps(d).size() == 1);
}

TEST_CASE("curves import as one run each with their steps as metrics") {
  const std::string dir = testing::temp_dir("import_curves");
  const std::string csv = dir + "/curves.csv";
  std::ofstream(csv) << "N,D,loss,step,label\n1e6,1e7,3.5,100,a\n1e6,2e7,3.2,200,a\n"
                        "2e6,1e7,3.3,100,b\n2e6,2e7,3.0,200,b\n";
  db::Database d = db::open_database(dir + "/t.db");
  const auto r = sweeps::import_observations(d, "curves", read_observations_csv(csv), csv);
  CHECK(r.runs == 2);
  CHECK(r.metric_rows == 4);
  const auto runs = db::list_runs(d, db::require_sweep(d, "curves").id);
  REQUIRE(runs.size() == 2);
  CHECK(runs[1].name == "b");
  CHECK(runs[1].tokens == 2e7);
  CHECK(*runs[1].final_eval_loss == 3.0);
  const auto curve = db::list_metrics(d, runs[1].id);
  REQUIRE(curve.size() == 2);
  CHECK(curve[0].step == 100);
  CHECK(*curve[0].eval_loss == 3.3);
}

TEST_CASE("a file with a bad row imports nothing; bad sweep names are rejected") {
  const std::string dir = testing::temp_dir("import_bad");
  const std::string csv = dir + "/bad.csv";
  std::ofstream(csv) << "N,D,loss\n1e6,1e7,3.5\n1e6,-2e7,3.2\n";
  CHECK_THROWS_WITH_AS(read_observations_csv(csv), doctest::Contains("bad.csv:3"), InputError);
  db::Database d = db::open_database(dir + "/t.db");
  std::vector<Observation> one(1);
  one[0].params = 1e6;
  one[0].tokens = 1e7;
  one[0].flops = 6e13;
  one[0].loss = 3;
  CHECK_THROWS_WITH_AS(sweeps::import_observations(d, "bad name!", one, "x"),
                       doctest::Contains("--sweep"), InputError);
  CHECK(db::list_sweeps(d).empty());
}
