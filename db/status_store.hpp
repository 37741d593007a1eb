// Read-only queries behind `scalelab status` and `scalelab runs export`.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "db/metrics_store.hpp"
#include "db/run_store.hpp"
#include "db/sqlite.hpp"
#include "db/sweep_store.hpp"

namespace scalelab::db {

// One sweep and how many of its runs are in each status.
struct SweepCounts {
  SweepRecord sweep;
  RunStatusCounts by_status;
};
std::vector<SweepCounts> sweep_counts(Database& db);

// One run with its lifecycle, latest logged step and number of metric rows.
struct RunStatusRow {
  RunRecord run;
  RunLifecycle lifecycle;
  std::optional<MetricRow> latest;
  std::int64_t metric_rows = 0;
};
std::vector<RunStatusRow> run_statuses(Database& db, std::int64_t sweep_id);

}  // namespace scalelab::db
