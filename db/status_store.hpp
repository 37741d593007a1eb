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
  std::map<std::string, std::int64_t> by_status;  // only statuses with at least one run
  std::int64_t total = 0;
};
std::vector<SweepCounts> sweep_counts(Database& db);

// One run with its lifecycle, latest logged step and number of metric rows.
struct RunStatus {
  RunRecord run;
  RunLifecycle lifecycle;
  std::optional<MetricRow> latest;
  std::int64_t metric_rows = 0;
};
std::vector<RunStatus> run_statuses(Database& db, std::int64_t sweep_id);

}  // namespace scalelab::db
