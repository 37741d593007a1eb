// A run's lifecycle in the database (schema v1 `runs` plus the v3 columns); the statuses and
// their transitions are db/run_status.hpp's.
//
// Every transition is one short BEGIN IMMEDIATE transaction that checks the run's current
// status against is_legal_transition, so two coordinators can never both claim a run and a
// stale one cannot overwrite a finished run. An illegal transition throws scalelab::Error
// naming the run and both states.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/fit_store.hpp"
#include "db/run_status.hpp"
#include "db/sqlite.hpp"
#include "db/sweep_store.hpp"

namespace scalelab::db {

// The v3 columns of a run, beside RunRecord's v1 columns.
struct RunLifecycle {
  std::int64_t id = 0;
  RunStatus status = RunStatus::kPending;
  std::optional<std::string> run_dir, backend, backend_job;
  std::int64_t attempts = 0;  // launches, resumed ones included
  std::int64_t failures = 0;  // crashed attempts (what --retries limits)
  std::optional<std::int64_t> diverged_step;
};

RunLifecycle load_lifecycle(Database& db, std::int64_t run_id);
std::vector<RunLifecycle> list_lifecycles(Database& db, std::int64_t sweep_id);
RunRecord load_run(Database& db, std::int64_t run_id);

struct ClaimInfo {
  std::string run_dir;
  std::string backend;  // "local", "command", "slurm"
  std::optional<std::string> host, device;
  std::string config_json;  // the run's full config as launched (hyperparameters resolved)
};

// pending → running: attempts + 1, started_at set on the first attempt, ended_at cleared.
// Returns false (and changes nothing) when the run is not pending any more.
bool claim_run(Database& db, std::int64_t run_id, const ClaimInfo& info);

// Records the process id or Slurm job of the current attempt (and the host once known).
void set_backend_job(Database& db, std::int64_t run_id, const std::string& job,
                     const std::optional<std::string>& host = std::nullopt);

struct RunOutcome {
  RunStatus status = RunStatus::kDone;  // a final status
  std::optional<double> final_train_loss, final_eval_loss;
  std::optional<std::string> error;  // why it failed, diverged or stopped
  std::optional<std::int64_t> diverged_step;
};

// running → a final status, ended_at now. Throws Error when the run is not running. With
// `extrapolation` (a stopped run's predicted final loss, kind "extrapolation"), the run's
// earlier extrapolations are replaced by it in the same transaction, so the outcome and its
// prediction are stored together or not at all.
void finish_run(Database& db, std::int64_t run_id, const RunOutcome& outcome,
                std::optional<PredictionRecord> extrapolation = std::nullopt);

// running → pending. `crashed` counts the attempt against --retries (failures + 1); an
// interrupted coordinator does not. `error` becomes last_error.
void requeue_run(Database& db, std::int64_t run_id, bool crashed,
                 const std::optional<std::string>& error);

}  // namespace scalelab::db
