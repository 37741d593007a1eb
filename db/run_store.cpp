#include "db/run_store.hpp"

#include <fmt/format.h>

#include "lib/error.hpp"

namespace scalelab::db {
namespace {

constexpr const char* kLifecycleColumns =
    "id, status, run_dir, backend, backend_job, attempts, failures, diverged_step";

RunLifecycle read_lifecycle(const Statement& s) {
  RunLifecycle r;
  r.id = s.column_int(0);
  r.status = s.column_text(1);
  r.run_dir = s.column_optional_text(2);
  r.backend = s.column_optional_text(3);
  r.backend_job = s.column_optional_text(4);
  r.attempts = s.column_int(5);
  r.failures = s.column_int(6);
  if (!s.is_null(7)) r.diverged_step = s.column_int(7);
  return r;
}

// The run's status inside an open transaction; throws when the run does not exist.
std::string current_status(Database& db, std::int64_t run_id) {
  Statement s = db.prepare("SELECT status FROM runs WHERE id = ?1");
  s.bind(1, run_id);
  if (!s.step()) throw Error(fmt::format("run {}: not in database '{}'", run_id, db.path()));
  return s.column_text(0);
}

[[noreturn]] void illegal(Database& db, std::int64_t run_id, const std::string& from,
                          std::string_view to) {
  throw Error(fmt::format("run {} in '{}': cannot go from {} to {}", run_id, db.path(), from, to));
}

}  // namespace

bool is_final_status(std::string_view status) {
  return status == "done" || status == "failed" || status == "diverged" || status == "stopped";
}

RunLifecycle load_lifecycle(Database& db, std::int64_t run_id) {
  Statement s = db.prepare(std::string("SELECT ") + kLifecycleColumns + " FROM runs WHERE id = ?1");
  s.bind(1, run_id);
  if (!s.step()) throw Error(fmt::format("run {}: not in database '{}'", run_id, db.path()));
  return read_lifecycle(s);
}

std::vector<RunLifecycle> list_lifecycles(Database& db, std::int64_t sweep_id) {
  Statement s = db.prepare(std::string("SELECT ") + kLifecycleColumns +
                           " FROM runs WHERE sweep_id = ?1 ORDER BY id");
  s.bind(1, sweep_id);
  std::vector<RunLifecycle> out;
  while (s.step()) out.push_back(read_lifecycle(s));
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
  if (current_status(db, run_id) != "pending") return false;
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
  tx.commit();
  return true;
}

void set_backend_job(Database& db, std::int64_t run_id, const std::string& job,
                     const std::optional<std::string>& host) {
  Transaction tx(db);
  const std::string status = current_status(db, run_id);
  if (status != "running") illegal(db, run_id, status, "running (set job)");
  db.prepare("UPDATE runs SET backend_job = ?2, host = coalesce(?3, host) WHERE id = ?1")
      .bind(1, run_id)
      .bind(2, job)
      .bind(3, host)
      .run();
  tx.commit();
}

void finish_run(Database& db, std::int64_t run_id, const RunOutcome& o) {
  if (!is_final_status(o.status))
    throw Error(fmt::format("run {}: '{}' is not a final status", run_id, o.status));
  Transaction tx(db);
  const std::string status = current_status(db, run_id);
  if (status != "running") illegal(db, run_id, status, o.status);
  db.prepare(
        "UPDATE runs SET status = ?2, final_train_loss = ?3, final_eval_loss = ?4, "
        "last_error = ?5, diverged_step = ?6, "
        "ended_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?1")
      .bind(1, run_id)
      .bind(2, o.status)
      .bind(3, o.final_train_loss)
      .bind(4, o.final_eval_loss)
      .bind(5, o.error)
      .bind(6, o.diverged_step)
      .run();
  tx.commit();
}

void requeue_run(Database& db, std::int64_t run_id, bool crashed,
                 const std::optional<std::string>& error) {
  Transaction tx(db);
  const std::string status = current_status(db, run_id);
  if (status != "running") illegal(db, run_id, status, "pending");
  db.prepare(
        "UPDATE runs SET status = 'pending', failures = failures + ?2, "
        "last_error = coalesce(?3, last_error), backend_job = NULL WHERE id = ?1")
      .bind(1, run_id)
      .bind(2, crashed ? 1 : 0)
      .bind(3, error)
      .run();
  tx.commit();
}

}  // namespace scalelab::db
