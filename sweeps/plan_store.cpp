#include "sweeps/plan_store.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "db/sweep_store.hpp"

namespace scalelab::sweeps {

std::string run_name(double budget_flops, double params) {
  return fmt::format("c{:.3g}-n{:.4g}", budget_flops, params);
}

std::int64_t save_plan(db::Database& db, const std::string& name, const Plan& plan,
                       const std::string& source, const std::string& config_text) {
  db::SweepRecord sweep;
  sweep.name = name;
  sweep.source = source;
  nlohmann::json config = {{"options", plan_options_to_json(plan.options)}};
  if (!config_text.empty()) config["config_text"] = config_text;
  sweep.config_json = config.dump();

  std::vector<db::RunRecord> runs;
  for (const BudgetPlan& b : plan.budgets) {
    for (const PlannedRun& p : b.grid) {
      db::RunRecord r;
      r.name = run_name(b.compute_flops, p.params);
      r.params = p.params;
      r.non_embedding_params = p.non_embedding_params;
      r.tokens = p.tokens;
      r.flops = p.flops_6nd;
      r.budget_flops = b.compute_flops;
      r.shape_json = nlohmann::json(p.shape.shape).dump();
      r.config_json = nlohmann::json{{"shape", p.shape.shape},
                                     {"params", p.params},
                                     {"tokens", p.tokens},
                                     {"budget_flops", b.compute_flops},
                                     {"predicted_loss", p.predicted_loss},
                                     {"data", plan.options.data}}
                          .dump();
      runs.push_back(std::move(r));
    }
  }
  db::insert_sweep(db, sweep, runs);
  return sweep.id;
}

}  // namespace scalelab::sweeps
