#include "sweeps/import.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "db/metrics_store.hpp"
#include "db/sweep_store.hpp"
#include "lib/error.hpp"

namespace scalelab::sweeps {

ImportResult import_observations(db::Database& db, const std::string& sweep_name,
                                 const std::vector<Observation>& observations,
                                 const std::string& source) {
  db::validate_sweep_name(sweep_name, "--sweep");
  if (observations.empty()) throw InputError(fmt::format("{}: no rows to import", source));
  // Groups in file order.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const Observation*>> groups;
  for (const Observation& o : observations) {
    const std::string key = run_key(o);
    if (!groups.count(key)) order.push_back(key);
    groups[key].push_back(&o);
  }

  db::SweepRecord sweep;
  sweep.name = sweep_name;
  sweep.source = "import";
  sweep.config_json =
      nlohmann::json{{"imported_from", source}, {"rows", observations.size()}}.dump();
  std::vector<db::RunRecord> runs;
  std::vector<std::vector<db::MetricRow>> curves;
  std::set<std::string> names;
  for (const std::string& key : order) {
    std::vector<const Observation*>& points = groups[key];
    std::stable_sort(points.begin(), points.end(), [](const auto* a, const auto* b) {
      return a->step.value_or(-1) < b->step.value_or(-1);
    });
    const Observation& last = *points.back();
    std::string name = !last.run_id.empty() ? last.run_id : !last.label.empty() ? last.label : "";
    if (name.empty()) {
      const std::size_t colon = last.where.rfind(':');
      name = "row-" + (colon == std::string::npos ? last.where : last.where.substr(colon + 1));
    }
    for (int i = 2; names.count(name); ++i) name = fmt::format("{}-{}", name, i);
    names.insert(name);
    db::RunRecord r;
    r.name = name;
    r.status = db::RunStatus::kDone;
    r.params = last.params;
    r.tokens = last.tokens;
    r.flops = last.flops;
    r.unique_tokens = last.unique_tokens;
    r.final_eval_loss = last.loss;
    r.config_json = nlohmann::json{{"imported_from", last.where}, {"label", last.label}}.dump();
    std::vector<db::MetricRow> curve;
    for (const Observation* p : points) {
      if (!p->step) continue;
      db::MetricRow m;
      m.step = *p->step;
      m.tokens = p->tokens;
      m.eval_loss = p->loss;
      curve.push_back(m);
    }
    runs.push_back(std::move(r));
    curves.push_back(std::move(curve));
  }

  db::insert_sweep(db, sweep, runs);
  ImportResult result{sweep.id, runs.size(), 0};
  try {
    for (std::size_t i = 0; i < runs.size(); ++i) {
      db::upsert_metrics(db, runs[i].id, curves[i]);
      result.metric_rows += curves[i].size();
    }
  } catch (...) {
    // Leave no half-imported sweep behind (runs and metrics go with it: ON DELETE CASCADE).
    db::Transaction tx(db);
    db.prepare("DELETE FROM sweeps WHERE id = ?1").bind(1, sweep.id).run();
    tx.commit();
    throw;
  }
  return result;
}

}  // namespace scalelab::sweeps
