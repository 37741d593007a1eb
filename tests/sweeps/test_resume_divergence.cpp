// Issue 16: a run that crashed and resumed from its checkpoint must not be judged diverged
// because the rows of its resumed attempt are compared with the best loss of the first
// attempt's later steps. The coordinator follows a run by replaying the rows the database
// already holds into a DivergenceDetector and then ingesting the run's metrics file with it;
// a resumed worker rewrites metrics.jsonl to the steps before its checkpoint, so ingest reads
// the file again from its first line.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "db/metrics_store.hpp"
#include "db/schema.hpp"
#include "db/sweep_store.hpp"
#include "sweeps/divergence.hpp"
#include "sweeps/ingest.hpp"
#include "sweeps/metrics_jsonl.hpp"
#include "test_util.hpp"

using namespace scalelab;
namespace fs = std::filesystem;

namespace {

// A healthy curve shaped like the run 4: 5.4 at step 10, 1.8 by step 553.
double healthy_loss(std::int64_t step) { return 1.3 + 13.0 / std::sqrt(static_cast<double>(step)); }

void write_metrics(const fs::path& path, std::int64_t first, std::int64_t last, bool append,
                   double (*loss)(std::int64_t) = healthy_loss) {
  std::ofstream out(path, append ? std::ios::app : std::ios::trunc);
  for (std::int64_t s = first; s <= last; ++s) {
    db::MetricRow r;
    r.step = s;
    r.tokens = static_cast<double>(s) * 100;
    r.train_loss = loss(s);
    out << sweeps::format_metrics_line(r) << '\n';
  }
}

struct OneRun {
  std::string dir;
  db::Database db;
  std::int64_t run_id;
  fs::path metrics;
};

OneRun make_run(const std::string& tag) {
  const std::string dir = testing::temp_dir(tag);
  db::Database d = db::open_database(dir + "/scalelab.db");
  db::SweepRecord sweep{0, "resumed", "", "plan", "{}"};
  std::vector<db::RunRecord> runs(1);
  runs[0].name = "run-1";
  runs[0].params = 1e4;
  runs[0].tokens = 1e6;
  runs[0].flops = 6e10;
  db::insert_sweep(d, sweep, runs);
  return OneRun{dir, std::move(d), runs[0].id, fs::path(dir) / "metrics.jsonl"};
}

// What the coordinator does when it (re)launches a run: replay what the database holds, then
// ingest the file.
sweeps::DivergenceDetector follow(OneRun& r) {
  sweeps::DivergenceDetector detector;
  for (const db::MetricRow& row : db::list_metrics(r.db, r.run_id)) detector.feed(row);
  sweeps::ingest_metrics_file(r.db, r.run_id, r.metrics.string(), {&detector});
  return detector;
}

}  // namespace

TEST_CASE("a run resumed from its checkpoint is not diverged by its first attempt's rows") {
  OneRun r = make_run("resume_divergence");
  // Attempt 1 logged and the coordinator ingested steps 1..553, then everything was killed.
  write_metrics(r.metrics, 1, 553, false);
  sweeps::ingest_metrics_file(r.db, r.run_id, r.metrics.string());
  REQUIRE(db::count_metrics(r.db, r.run_id) == 553);
  // Attempt 2 resumed at step 509 from its checkpoint: the worker rewrote metrics.jsonl to the
  // steps before 509 and logged a few more.
  write_metrics(r.metrics, 1, 508, false);
  write_metrics(r.metrics, 509, 520, true);
  const sweeps::DivergenceDetector detector = follow(r);
  CHECK_MESSAGE(!detector.divergence(),
                (detector.divergence() ? detector.divergence()->reason : std::string()));
  CHECK(db::count_metrics(r.db, r.run_id) == 553);  // upserted by step: nothing duplicated
}

TEST_CASE("a spike in a resumed attempt is still caught") {
  OneRun r = make_run("resume_divergence_spike");
  write_metrics(r.metrics, 1, 553, false);
  sweeps::ingest_metrics_file(r.db, r.run_id, r.metrics.string());
  write_metrics(r.metrics, 1, 508, false);
  write_metrics(r.metrics, 509, 519, true);
  write_metrics(r.metrics, 520, 522, true, [](std::int64_t) { return 9.0; });
  const sweeps::DivergenceDetector detector = follow(r);
  REQUIRE(detector.divergence());
  CHECK(detector.divergence()->step == 520);
}

TEST_CASE("divergence: rows out of step order are judged against the steps before them") {
  sweeps::DivergenceDetector d;
  db::MetricRow m;
  auto feed = [&](std::int64_t step, double loss) {
    m.step = step;
    m.train_loss = loss;
    return d.feed(m);
  };
  for (std::int64_t s = 1; s <= 100; ++s) CHECK_FALSE(feed(s, healthy_loss(s)));
  // The same rows again (a file re-read from its start): nothing new.
  for (std::int64_t s = 1; s <= 100; ++s) CHECK_FALSE(feed(s, healthy_loss(s)));
  // A resumed attempt logs step 60 a little differently (a GPU resume is not bitwise): it
  // replaces the old row and the old steps after it are forgotten, so step 61 compares with
  // the best up to the new step 60 (step 59's loss: the new step 60 is above it).
  CHECK_FALSE(feed(60, healthy_loss(60) * 1.01));
  CHECK_FALSE(feed(61, 2.05 * healthy_loss(60)));
  CHECK_FALSE(feed(62, 2.05 * healthy_loss(60)));
  const auto spike = feed(63, 2.05 * healthy_loss(60));
  REQUIRE(spike);
  CHECK(spike->step == 61);
  const std::string best = fmt::format("best so far ({:.4g})", healthy_loss(59));
  CHECK(spike->reason.find(best) != std::string::npos);
}
