#include "db/run_store.hpp"

#include <fmt/format.h>

#include "lib/crash_point.hpp"
#include "lib/error.hpp"

namespace scalelab::db {
namespace {

constexpr const char* kLifecycleColumns =
    "id, status, run_dir, backend, backend_job, attempts, failures, diverged_step";

RunLifecycle read_lifecycle(Database& db, const Statement& s) {
  RunLifecycle r;
  r.id = s.column_int(0);
  r.status = parse_run_status(s.column_text(1), fmt::format("run {} in '{}'", r.id, db.path()));
  r.run_dir = s.column_optional_text(2);
  r.backend = s.column_optional_text(3);
  r.backend_job = s.column_optional_text(4);
  r.attempts = s.column_int(5);
  r.failures = s.column_int(6);
  if (!s.is_null(7)) r.diverged_step = s.column_int(7);
  return r;
}

// The run's status inside an open transaction; throws when the run does not exist.
RunStatus current_status(Database& db, std::int64_t run_id) {
  Statement s = db.prepare("SELECT status FROM runs WHERE id = ?1");
  s.bind(1, run_id);
  if (!s.step()) throw Error(fmt::format("run {}: not in database '{}'", run_id, db.path()));
  return parse_run_status(s.column_text(0), fmt::format("run {} in '{}'", run_id, db.path()));
}

// The check of a transition, inside the transaction that makes it: throws Error for a move
// the lifecycle (run_status.hpp) does not allow.
void require_transition(Database& db, std::int64_t run_id, RunStatus from, RunStatus to) {
  if (!is_legal_transition(from, to))
    throw Error(fmt::format("run {} in '{}': cannot go from {} to {}", run_id, db.path(),
                            run_status_name(from), run_status_name(to)));
}

}  // namespace

RunLifecycle load_lifecycle(Database& db, std::int64_t run_id) {
  Statement s = db.prepare(std::string("SELECT ") + kLifecycleColumns + " FROM runs WHERE id = ?1");
  s.bind(1, run_id);
  if (!s.step()) throw Error(fmt::format("run {}: not in database '{}'", run_id, db.path()));
  return read_lifecycle(db, s);
}

std::vector<RunLifecycle> list_lifecycles(Database& db, std::int64_t sweep_id) {
  Statement s = db.prepare(std::string("SELECT ") + kLifecycleColumns +
                           " FROM runs WHERE sweep_id = ?1 ORDER BY id");
  s.bind(1, sweep_id);
  std::vector<RunLifecycle> out;
  while (s.step()) out.push_back(read_lifecycle(db, s));
  return out;
}

RunRecord load_run(Database& db, std::int64_t run_id) {
  Statement s = db.prepare("SELECT sweep_id FROM runs WHERE id = ?1");
  s.bind(1, run_id);
  if (!s.step()) throw Error(fmt::format("run {}: not in database '{}'", run_id, db.path()));
  for (RunRecord& r : list_runs(db, s.column_int(0)))
    if (r.id == run_id) return r;
  throw Error(fmt::format("run {}: vanished from database '{}'", run_id, db.path()));
}

bool claim_run(Database& db, std::int64_t run_id, const ClaimInfo& info) {
  Transaction tx(db);
  const RunStatus status = current_status(db, run_id);
  if (status != RunStatus::kPending) return false;  // someone else claimed or finished it
  require_transition(db, run_id, status, RunStatus::kRunning);
  crash_point("claim_run:before_update");
  db.prepare(
        "UPDATE runs SET status = 'running', attempts = attempts + 1, "
        "started_at = coalesce(started_at, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')), "
        "ended_at = NULL, run_dir = ?2, backend = ?3, host = ?4, device = ?5, config_json = ?6, "
        "backend_job = NULL WHERE id = ?1")
      .bind(1, run_id)
      .bind(2, info.run_dir)
      .bind(3, info.backend)
      .bind(4, info.host)
      .bind(5, info.device)
      .bind(6, info.config_json)
      .run();
  crash_point("claim_run:before_commit");
  tx.commit();
  return true;
}

void set_backend_job(Database& db, std::int64_t run_id, const std::string& job,
                     const std::optional<std::string>& host) {
  Transaction tx(db);
  const RunStatus status = current_status(db, run_id);
  if (status != RunStatus::kRunning)
    throw Error(fmt::format("run {} in '{}': a job recorded for a run that is {}, not running",
                            run_id, db.path(), run_status_name(status)));
  db.prepare("UPDATE runs SET backend_job = ?2, host = coalesce(?3, host) WHERE id = ?1")
      .bind(1, run_id)
      .bind(2, job)
      .bind(3, host)
      .run();
  tx.commit();
}

void finish_run(Database& db, std::int64_t run_id, const RunOutcome& o,
                std::optional<PredictionRecord> extrapolation) {
  if (!is_final(o.status))
    throw Error(
        fmt::format("run {}: '{}' is not a final status", run_id, run_status_name(o.status)));
  Transaction tx(db);
  require_transition(db, run_id, current_status(db, run_id), o.status);
  db.prepare(
        "UPDATE runs SET status = ?2, final_train_loss = ?3, final_eval_loss = ?4, "
        "last_error = ?5, diverged_step = ?6, "
        "ended_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?1")
      .bind(1, run_id)
      .bind(2, std::string(run_status_name(o.status)))
      .bind(3, o.final_train_loss)
      .bind(4, o.final_eval_loss)
      .bind(5, o.error)
      .bind(6, o.diverged_step)
      .run();
  if (extrapolation) {
    db.prepare("DELETE FROM predictions WHERE run_id = ?1 AND kind = 'extrapolation'")
        .bind(1, run_id)
        .run();
    extrapolation->run_id = run_id;
    extrapolation->kind = "extrapolation";
    insert_prediction_row(db, *extrapolation);
  }
  crash_point("finish_run:before_commit");
  tx.commit();
}

void requeue_run(Database& db, std::int64_t run_id, bool crashed,
                 const std::optional<std::string>& error) {
  Transaction tx(db);
  require_transition(db, run_id, current_status(db, run_id), RunStatus::kPending);
  db.prepare(
        "UPDATE runs SET status = 'pending', failures = failures + ?2, "
        "last_error = coalesce(?3, last_error), backend_job = NULL WHERE id = ?1")
      .bind(1, run_id)
      .bind(2, crashed ? 1 : 0)
      .bind(3, error)
      .run();
  crash_point("requeue_run:before_commit");
  tx.commit();
}

}  // namespace scalelab::db
