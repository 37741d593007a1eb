#include "db/schema.hpp"

#include <fmt/format.h>

#include <filesystem>

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

// v3: what running a sweep needs beyond v1: where each run lives and which process or Slurm
// task runs it, crashes counted against --retries apart from launches (attempts), the step
// a divergence was seen at, and a per-run ingest cursor so that re-reading a growing
// metrics file is incremental (the cursor commits with the rows it covers).
constexpr std::string_view kRunLifecycle = R"sql(
ALTER TABLE runs ADD COLUMN run_dir TEXT;               -- the run's directory
ALTER TABLE runs ADD COLUMN backend TEXT;               -- 'local', 'command', 'slurm', 'import'
ALTER TABLE runs ADD COLUMN backend_job TEXT;           -- pid or Slurm job id of the attempt
ALTER TABLE runs ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;  -- crashed attempts
ALTER TABLE runs ADD COLUMN diverged_step INTEGER;      -- first step seen diverged
CREATE TABLE ingest_cursors (
  run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  file       TEXT NOT NULL,                 -- path of the file ingested
  byte_offset INTEGER NOT NULL,             -- bytes consumed (whole lines only)
  line_count INTEGER NOT NULL,              -- lines consumed, for file:line messages
  last_line  TEXT NOT NULL,                 -- the last line consumed: detects a rewritten file
  PRIMARY KEY (run_id, file)
) WITHOUT ROWID;
)sql";

}  // namespace

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> all = {
      {1, "sweeps, runs, metrics", kSweepsRunsMetrics},
      {2, "fits, predictions", kFitsPredictions},
      {3, "run lifecycle: run directories, jobs, failures, ingest cursors", kRunLifecycle},
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

namespace scalelab::db {

Database open_existing_database(const std::string& path) {
  if (!std::filesystem::is_regular_file(path))
    throw InputError(
        fmt::format("--db: no database at '{}' (`scalelab plan --save` or "
                    "`scalelab import` creates one)",
                    path));
  OpenOptions options;
  options.create = false;
  Database db(path, options);
  migrate(db);
  return db;
}

}  // namespace scalelab::db
