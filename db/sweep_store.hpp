// Typed queries for sweeps and their runs. Plain structs in, plain structs out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/run_status.hpp"
#include "db/sqlite.hpp"

namespace scalelab::db {

struct SweepRecord {
  std::int64_t id = 0;  // assigned by insert_sweep
  std::string name;
  std::string created_at;  // ISO 8601 UTC, set by the database
  std::string source;      // "plan", "config" or "import"
  std::string config_json;
};

struct RunRecord {
  std::int64_t id = 0;        // assigned by insert_sweep
  std::int64_t sweep_id = 0;  // assigned by insert_sweep
  std::string name;
  RunStatus status = RunStatus::kPending;
  double params = 0;
  std::optional<double> non_embedding_params;
  double tokens = 0;
  double flops = 0;
  std::optional<double> budget_flops;
  std::optional<double> unique_tokens;
  std::optional<std::string> shape_json;
  std::string config_json = "{}";
  std::int64_t attempts = 0;
  std::optional<std::string> host, device, started_at, ended_at, last_error;
  std::optional<double> final_train_loss, final_eval_loss;
};

// Sweep names: 1-64 characters of letters, digits, '.', '_' and '-', starting with a letter
// or digit. Throws InputError naming `what` otherwise.
void validate_sweep_name(const std::string& name, const char* what = "sweep name");

// Inserts the sweep and its runs in one transaction. Throws InputError if the name is taken.
// Fills in the ids.
void insert_sweep(Database& db, SweepRecord& sweep, std::vector<RunRecord>& runs);

std::optional<SweepRecord> find_sweep(Database& db, const std::string& name);
// Throws InputError "no sweep named 'x' in DB (known: a, b)" when missing.
SweepRecord require_sweep(Database& db, const std::string& name);
std::vector<SweepRecord> list_sweeps(Database& db);
std::vector<RunRecord> list_runs(Database& db, std::int64_t sweep_id);

}  // namespace scalelab::db
