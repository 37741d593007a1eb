// Following one launched run of a sweep: its metrics file ingested into the database round by
// round (ingest.hpp), its curve watched for divergence (divergence.hpp) and its latest row kept
// for the progress view. The rows the database already holds (earlier attempts) are replayed
// into the divergence check first, so it judges the whole curve.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "db/metrics_store.hpp"
#include "db/run_store.hpp"
#include "db/sqlite.hpp"
#include "sweeps/dispatch.hpp"
#include "sweeps/divergence.hpp"

namespace scalelab::sweeps {

class RunMonitor {
 public:
  RunMonitor(db::Database& db, Task task, const DivergenceOptions& options);

  // Ingests what the run's metrics file gained; `ended`: its task has ended. Returns the
  // warnings of damaged lines (one line each, naming file and line). When what was read
  // decides the run (a malformed file: failed; a divergence: diverged), decided() says so.
  std::vector<std::string> ingest(db::Database& db, bool ended);

  const Task& task() const { return task_; }
  // The run's latest row (largest step) of the current attempt's curve, for progress.
  const std::optional<db::MetricRow>& latest() const { return latest_; }
  // The outcome the coordinator decided before the task's end (it then stops the task).
  const std::optional<db::RunOutcome>& decided() const { return decided_; }
  void decide(db::RunOutcome outcome) {
    if (!decided_) decided_ = std::move(outcome);
  }
  // Whether the task was asked to stop (once).
  bool cancelled = false;

 private:
  Task task_;
  DivergenceDetector detector_;
  std::optional<db::MetricRow> latest_;
  std::optional<db::RunOutcome> decided_;
};

}  // namespace scalelab::sweeps
