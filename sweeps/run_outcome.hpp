// How the end of a run's task becomes the run's outcome: what its exit status, its run
// directory (summary.json, diverged.json, worker.log) and its stored metrics say.
//
//   exit 0 with losses            done, or stopped when it trained to its early stop by design
//   exit 0 without any loss       failed ("exited 0 but wrote no losses")
//   worker exit 3                 diverged (reason and step from diverged.json)
//   worker exit 2                 failed: the worker rejected the run (not retried)
//   anything else                 a crash: retried from its checkpoint while --retries allow
#pragma once

#include <optional>
#include <string>

#include "db/run_store.hpp"
#include "db/sqlite.hpp"
#include "sweeps/dispatch.hpp"

namespace scalelab::sweeps {

struct TaskVerdict {
  std::optional<db::RunOutcome> outcome;  // a final outcome, or
  std::string crash;                      // why the attempt crashed (when outcome is empty)
};

// `runs_worker`: the backend's DispatchBackend::runs_worker().
TaskVerdict judge_task_end(db::Database& db, const Task& task, const TaskEnd& end,
                           bool runs_worker);

// "run NAME done: final train loss 3.1234, eval loss 3.2345" or "run NAME failed: why".
std::string describe_outcome(const std::string& run_name, const db::RunOutcome& outcome);

}  // namespace scalelab::sweeps
