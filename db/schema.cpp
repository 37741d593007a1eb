#include "db/schema.hpp"

#include <fmt/format.h>

#include "lib/error.hpp"

namespace scalelab::db {
namespace {

// v1: sweeps, their runs and the runs' metrics.
constexpr std::string_view kSweepsRunsMetrics = R"sql(
CREATE TABLE sweeps (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
  source      TEXT NOT NULL,              -- 'plan', 'config' or 'import'
  config_json TEXT NOT NULL               -- what made the sweep: plan options or YAML text
);
CREATE TABLE runs (
  id                   INTEGER PRIMARY KEY,
  sweep_id             INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
  name                 TEXT NOT NULL,      -- unique within its sweep
  status               TEXT NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending','running','done','failed','diverged','stopped')),
  params               REAL NOT NULL,      -- N, total parameters
  non_embedding_params REAL,               -- Kaplan's N
  tokens               REAL NOT NULL,      -- D planned (or trained, for imports)
  flops                REAL NOT NULL,      -- C = 6ND
  budget_flops         REAL,               -- the IsoFLOP budget the run belongs to
  unique_tokens        REAL,               -- for runs that repeat data
  shape_json           TEXT,
  config_json          TEXT NOT NULL,      -- the full run config
  attempts             INTEGER NOT NULL DEFAULT 0,
  host                 TEXT,
  device               TEXT,
  started_at           TEXT,
  ended_at             TEXT,
  last_error           TEXT,
  final_train_loss     REAL,
  final_eval_loss      REAL,
  UNIQUE (sweep_id, name)
);
CREATE INDEX runs_by_sweep_status ON runs (sweep_id, status);
CREATE TABLE metrics (
  run_id       INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step         INTEGER NOT NULL,
  tokens       REAL,
  train_loss   REAL,
  eval_loss    REAL,
  lr           REAL,
  grad_norm    REAL,
  tokens_per_s REAL,
  PRIMARY KEY (run_id, step)
) WITHOUT ROWID;
)sql";

// v2: fits and the predictions made from them.
constexpr std::string_view kFitsPredictions = R"sql(
CREATE TABLE fits (
  id           INTEGER PRIMARY KEY,
  created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
  law          TEXT NOT NULL,
  source       TEXT NOT NULL,             -- sweep name or CSV path
  input_hash   TEXT NOT NULL,             -- identity of the observations fitted
  options_json TEXT NOT NULL,
  result_json  TEXT NOT NULL              -- the fit's documented JSON
);
CREATE TABLE predictions (
  id          INTEGER PRIMARY KEY,
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
  fit_id      INTEGER REFERENCES fits(id) ON DELETE CASCADE,
  run_id      INTEGER REFERENCES runs(id) ON DELETE CASCADE,
  kind        TEXT NOT NULL,              -- 'loss', 'allocation' or 'extrapolation'
  params      REAL,
  tokens      REAL,
  flops       REAL,
  loss        REAL,
  loss_lo     REAL,
  loss_hi     REAL,
  result_json TEXT NOT NULL
);
)sql";

}  // namespace

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> all = {
      {1, "sweeps, runs, metrics", kSweepsRunsMetrics},
      {2, "fits, predictions", kFitsPredictions},
  };
  return all;
}

int current_schema_version() { return migrations().back().version; }

int schema_version(Database& db) {
  Statement s = db.prepare("PRAGMA user_version");
  s.step();
  return static_cast<int>(s.column_int(0));
}

void migrate(Database& db, int target) {
  if (target < 0) target = current_schema_version();
  const int found = schema_version(db);
  if (found > current_schema_version())
    throw Error(fmt::format(
        "database '{}' has schema version {}, newer than this scalelab understands ({}): "
        "upgrade scalelab",
        db.path(), found, current_schema_version()));
  for (const Migration& m : migrations()) {
    if (m.version > target) break;
    Transaction tx(db);
    // Re-read inside the write lock: another process may have migrated meanwhile.
    if (schema_version(db) >= m.version) continue;
    db.exec(m.sql);
    db.exec(fmt::format("PRAGMA user_version = {}", m.version));
    tx.commit();
  }
}

Database open_database(const std::string& path) {
  Database db(path);
  migrate(db);
  return db;
}

}  // namespace scalelab::db
