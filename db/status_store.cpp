#include "db/status_store.hpp"

namespace scalelab::db {

std::vector<SweepCounts> sweep_counts(Database& db) {
  std::vector<SweepCounts> out;
  for (SweepRecord& s : list_sweeps(db)) {
    SweepCounts c;
    Statement q = db.prepare(
        "SELECT status, count(*) FROM runs WHERE sweep_id = ?1 GROUP BY status ORDER BY status");
    q.bind(1, s.id);
    while (q.step()) {
      c.by_status[q.column_text(0)] = q.column_int(1);
      c.total += q.column_int(1);
    }
    c.sweep = std::move(s);
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<RunStatus> run_statuses(Database& db, std::int64_t sweep_id) {
  std::vector<RunStatus> out;
  std::vector<RunLifecycle> lifecycles = list_lifecycles(db, sweep_id);
  std::vector<RunRecord> runs = list_runs(db, sweep_id);
  // Both lists are ordered by run id.
  for (std::size_t i = 0; i < runs.size() && i < lifecycles.size(); ++i) {
    RunStatus s;
    s.latest = latest_metric(db, runs[i].id);
    s.metric_rows = count_metrics(db, runs[i].id);
    s.run = std::move(runs[i]);
    s.lifecycle = std::move(lifecycles[i]);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace scalelab::db
