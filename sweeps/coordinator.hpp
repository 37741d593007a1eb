// Runs the pending runs of a saved sweep to the end through a dispatch backend, keeping the
// sweep's state in SQLite: claims runs, writes each run's run.json, ingests metrics while the
// runs train (run_monitor.hpp), detects divergence (divergence.hpp), retries crashed runs from
// their checkpoints and records every outcome (run_outcome.hpp; statuses: db/run_status.hpp).
// One coordinator per sweep at a time (sweep_lock.hpp: released by the kernel even after
// kill -9); SIGINT/SIGTERM stop it cleanly (interrupt_signals.hpp).
//
// Crash safety: every change of a run's state is one transaction, and each state a run can be
// left in when the coordinator and its workers die at any instant is resumed from:
//   claimed, never started            running without a job: requeued
//   running, worker alive or dead     the worker dies with its coordinator (PR_SET_PDEATHSIG;
//                                     a leftover is killed by adopt); requeued and resumed
//                                     from its checkpoint (Slurm: re-attached)
//   ended, not yet ingested/finished  requeued; the worker resumes at its last checkpoint (the
//                                     end), trains nothing and reports the same losses
//   mid-transaction                   SQLite rolls it back; ingest is upserted by (run, step)
// Resume (`scalelab sweep resume`) never touches a run in a final state. Metrics rows are
// upserted by (run, step), so the rows an attempt re-logs after resuming from a checkpoint
// replace, never duplicate, those of the interrupted attempt.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "db/run_status.hpp"
#include "db/sqlite.hpp"
#include "sweeps/dispatch.hpp"
#include "sweeps/divergence.hpp"
#include "sweeps/hyperparams.hpp"
#include "sweeps/progress_view.hpp"

namespace scalelab::sweeps {

struct CoordinatorOptions {
  // Continue a sweep whose coordinator stopped (runs left `running`); without it such a sweep
  // is refused with a message pointing at `scalelab sweep resume`.
  bool resume = false;
  int retries = 2;            // crashed attempts of a run retried (from its checkpoint)
  std::string runs_dir;       // run folders: RUNS_DIR/SWEEP/RUN_NAME (required)
  double train_fraction = 1;  // early-stop mode: train to this fraction of each run's steps
  HyperparameterRules rules;  // for runs launched the first time
  DivergenceOptions divergence;
  double poll_seconds = 0.2;  // how often metrics are ingested and processes checked
};

struct CoordinatorResult {
  int launched = 0;  // launches of this session (retries included)
  int done = 0, failed = 0, diverged = 0, stopped = 0, pending = 0;  // whole sweep, at the end
  db::RunStatusCounts counts;                                        // the same, every status
  std::vector<std::string> unfinished;  // "NAME (STATUS)" of each run not in a final state
  double wall_seconds = 0;
  // "sweep 's' is not finished: 2 run(s) not in a final state: a (pending), b (running)".
  std::string unfinished_message(const std::string& sweep) const;
};

// Throws InputError for an unknown sweep, a sweep already being run, or an interrupted sweep
// without `resume`; Error when interrupted by SIGINT/SIGTERM (runs requeued; resume goes on).
CoordinatorResult run_sweep(db::Database& db, const std::string& sweep_name,
                            DispatchBackend& backend, const CoordinatorOptions& options,
                            ProgressView& view);

// Where runs of a sweep live by default: a folder scalelab-runs beside the database file.
std::string default_runs_dir(const std::string& db_path);

}  // namespace scalelab::sweeps
