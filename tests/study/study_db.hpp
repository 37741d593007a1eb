// A sweep written straight into a temporary database, for the study's tests: runs with a
// status, planned and trained tokens, a final loss, metrics and stored extrapolations.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "db/fit_store.hpp"
#include "db/metrics_store.hpp"
#include "db/run_status.hpp"
#include "db/run_store.hpp"
#include "db/schema.hpp"
#include "db/sweep_store.hpp"
#include "tests/support/temp_files.hpp"

namespace scalelab::testing {

inline std::string study_temp_db(const std::string& tag) {
  return (std::filesystem::path(fresh_temp_dir("study_" + tag)) / "s.db").string();
}

struct PlannedRun {
  std::string name;
  double params = 0, non_embedding = 0, tokens = 0, budget = 0;
};

// Inserts a planned sweep (source "plan", options `options_json`) of `runs`; returns the ids.
inline std::vector<std::int64_t> insert_planned_sweep(db::Database& d, const std::string& name,
                                                      const std::vector<PlannedRun>& planned,
                                                      const std::string& options_json = "{}") {
  db::SweepRecord sweep{0, name, "", "plan", "{\"options\": " + options_json + "}"};
  std::vector<db::RunRecord> runs;
  for (const PlannedRun& p : planned) {
    db::RunRecord r;
    r.name = p.name;
    r.params = p.params;
    if (p.non_embedding > 0) r.non_embedding_params = p.non_embedding;
    r.tokens = p.tokens;
    r.flops = p.budget > 0 ? p.budget : 6 * p.params * p.tokens;
    r.budget_flops = r.flops;
    runs.push_back(r);
  }
  db::insert_sweep(d, sweep, runs);
  std::vector<std::int64_t> ids;
  for (const auto& r : runs) ids.push_back(r.id);
  return ids;
}

// Claims and finishes run `id` with `status` and losses, after logging a curve up to `tokens`
// (10 points, train loss falling to `train`).
inline void finish(db::Database& d, std::int64_t id, const std::string& status, double tokens,
                   std::optional<double> train, std::optional<double> eval) {
  db::claim_run(d, id, {"/runs/x", "local", std::nullopt, std::nullopt, "{}"});
  std::vector<db::MetricRow> rows;
  for (int k = 1; k <= 10; ++k) {
    db::MetricRow m;
    m.step = k * 10;
    m.tokens = tokens * k / 10.0;
    m.train_loss = train.value_or(2.0) + 0.1 * (10 - k);
    rows.push_back(m);
  }
  db::upsert_metrics(d, id, rows);
  db::finish_run(d, id,
                 {db::parse_run_status(status, "test"), train, eval, std::nullopt, std::nullopt});
}

inline void store_extrapolation(db::Database& d, std::int64_t id, double loss, double lo,
                                double hi) {
  db::PredictionRecord p;
  p.run_id = id;
  p.kind = "extrapolation";
  p.loss = loss;
  p.loss_lo = lo;
  p.loss_hi = hi;
  p.result_json = R"({"model": "lr-aware", "final_step": 1000})";
  db::insert_prediction(d, p);
}

}  // namespace scalelab::testing
