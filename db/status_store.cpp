#include "db/status_store.hpp"

#include <fmt/format.h>

namespace scalelab::db {

std::vector<SweepCounts> sweep_counts(Database& db) {
  std::vector<SweepCounts> out;
  for (SweepRecord& s : list_sweeps(db)) {
    SweepCounts c;
    Statement q = db.prepare(
        "SELECT status, count(*) FROM runs WHERE sweep_id = ?1 GROUP BY status ORDER BY status");
    q.bind(1, s.id);
    while (q.step()) {
      const RunStatus status =
          parse_run_status(q.column_text(0), fmt::format("sweep '{}' in '{}'", s.name, db.path()));
      for (std::int64_t i = 0; i < q.column_int(1); ++i) c.by_status.add(status);
    }
    c.sweep = std::move(s);
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<RunStatusRow> run_statuses(Database& db, std::int64_t sweep_id) {
  std::vector<RunStatusRow> out;
  std::vector<RunLifecycle> lifecycles = list_lifecycles(db, sweep_id);
  std::vector<RunRecord> runs = list_runs(db, sweep_id);
  // Both lists are ordered by run id.
  for (std::size_t i = 0; i < runs.size() && i < lifecycles.size(); ++i) {
    RunStatusRow s;
    s.latest = latest_metric(db, runs[i].id);
    s.metric_rows = count_metrics(db, runs[i].id);
    s.run = std::move(runs[i]);
    s.lifecycle = std::move(lifecycles[i]);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace scalelab::db
