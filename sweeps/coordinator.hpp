// Runs the pending runs of a saved sweep to the end through a dispatch backend, keeping the
// sweep's state in SQLite: claims runs, writes each run's run.json, ingests metrics while the
// runs train, detects divergence, retries crashed runs from their checkpoints and records
// every outcome. One coordinator per sweep at a time (a lock file in the sweep's run folder,
// released by the kernel even after kill -9).
//
// Resume (`scalelab sweep resume`): runs left `running` by a coordinator that died are
// re-attached when the backend can (Slurm tasks keep running), else requeued without counting
// a failure and resumed from their checkpoints; done runs are never touched. Metrics rows are
// upserted by (run, step), so the rows an attempt re-logs after resuming from a checkpoint
// replace, never duplicate, those of the interrupted attempt.
#pragma once

#include <cstdint>
#include <string>

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
  double wall_seconds = 0;
};

// Throws InputError for an unknown sweep, a sweep already being run, or an interrupted sweep
// without `resume`; Error when interrupted by SIGINT/SIGTERM (runs requeued; resume goes on).
CoordinatorResult run_sweep(db::Database& db, const std::string& sweep_name,
                            DispatchBackend& backend, const CoordinatorOptions& options,
                            ProgressView& view);

// Where runs of a sweep live by default: a folder scalelab-runs beside the database file.
std::string default_runs_dir(const std::string& db_path);

}  // namespace scalelab::sweeps
