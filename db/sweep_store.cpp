#include "db/sweep_store.hpp"

#include <fmt/format.h>

#include <cctype>

#include "lib/error.hpp"

namespace scalelab::db {

void validate_sweep_name(const std::string& name, const char* what) {
  bool ok = !name.empty() && name.size() <= 64 && std::isalnum(static_cast<unsigned char>(name[0]));
  for (char c : name)
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-');
  if (!ok)
    throw InputError(fmt::format(
        "{}: '{}' (accepted: 1-64 letters, digits, '.', '_', '-', starting with a letter or digit)",
        what, name));
}

void insert_sweep(Database& db, SweepRecord& sweep, std::vector<RunRecord>& runs) {
  validate_sweep_name(sweep.name);
  Transaction tx(db);
  if (find_sweep(db, sweep.name))
    throw InputError(fmt::format("sweep '{}' already exists in '{}' (choose another name)",
                                 sweep.name, db.path()));
  db.prepare("INSERT INTO sweeps (name, source, config_json) VALUES (?1, ?2, ?3)")
      .bind(1, sweep.name)
      .bind(2, sweep.source)
      .bind(3, sweep.config_json)
      .run();
  sweep.id = db.last_insert_rowid();
  Statement insert = db.prepare(
      "INSERT INTO runs (sweep_id, name, status, params, non_embedding_params, tokens, flops, "
      "budget_flops, unique_tokens, shape_json, config_json, final_train_loss, final_eval_loss) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
  for (RunRecord& r : runs) {
    insert.bind(1, sweep.id)
        .bind(2, r.name)
        .bind(3, std::string(run_status_name(r.status)))
        .bind(4, r.params)
        .bind(5, r.non_embedding_params)
        .bind(6, r.tokens)
        .bind(7, r.flops)
        .bind(8, r.budget_flops)
        .bind(9, r.unique_tokens)
        .bind(10, r.shape_json)
        .bind(11, r.config_json)
        .bind(12, r.final_train_loss)
        .bind(13, r.final_eval_loss)
        .run();
    r.id = db.last_insert_rowid();
    r.sweep_id = sweep.id;
  }
  tx.commit();
  // created_at is the database's clock.
  sweep.created_at = find_sweep(db, sweep.name)->created_at;
}

std::optional<SweepRecord> find_sweep(Database& db, const std::string& name) {
  Statement s =
      db.prepare("SELECT id, name, created_at, source, config_json FROM sweeps WHERE name = ?1");
  s.bind(1, name);
  if (!s.step()) return std::nullopt;
  return SweepRecord{s.column_int(0), s.column_text(1), s.column_text(2), s.column_text(3),
                     s.column_text(4)};
}

std::vector<SweepRecord> list_sweeps(Database& db) {
  Statement s =
      db.prepare("SELECT id, name, created_at, source, config_json FROM sweeps ORDER BY id");
  std::vector<SweepRecord> out;
  while (s.step())
    out.push_back(
        {s.column_int(0), s.column_text(1), s.column_text(2), s.column_text(3), s.column_text(4)});
  return out;
}

SweepRecord require_sweep(Database& db, const std::string& name) {
  if (auto found = find_sweep(db, name)) return *found;
  std::string known;
  for (const auto& s : list_sweeps(db)) known += (known.empty() ? "" : ", ") + s.name;
  throw InputError(fmt::format("no sweep named '{}' in '{}' (known: {})", name, db.path(),
                               known.empty() ? "none" : known));
}

std::vector<RunRecord> list_runs(Database& db, std::int64_t sweep_id) {
  Statement s = db.prepare(
      "SELECT id, sweep_id, name, status, params, non_embedding_params, tokens, flops, "
      "budget_flops, unique_tokens, shape_json, config_json, attempts, host, device, started_at, "
      "ended_at, last_error, final_train_loss, final_eval_loss FROM runs WHERE sweep_id = ?1 "
      "ORDER BY id");
  s.bind(1, sweep_id);
  std::vector<RunRecord> out;
  while (s.step()) {
    RunRecord r;
    r.id = s.column_int(0);
    r.sweep_id = s.column_int(1);
    r.name = s.column_text(2);
    r.status = parse_run_status(s.column_text(3), fmt::format("run {} in '{}'", r.id, db.path()));
    r.params = s.column_double(4);
    r.non_embedding_params = s.column_optional_double(5);
    r.tokens = s.column_double(6);
    r.flops = s.column_double(7);
    r.budget_flops = s.column_optional_double(8);
    r.unique_tokens = s.column_optional_double(9);
    r.shape_json = s.column_optional_text(10);
    r.config_json = s.column_text(11);
    r.attempts = s.column_int(12);
    r.host = s.column_optional_text(13);
    r.device = s.column_optional_text(14);
    r.started_at = s.column_optional_text(15);
    r.ended_at = s.column_optional_text(16);
    r.last_error = s.column_optional_text(17);
    r.final_train_loss = s.column_optional_double(18);
    r.final_eval_loss = s.column_optional_double(19);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace scalelab::db
