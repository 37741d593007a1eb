#include "study/sweep_study_input.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "db/schema.hpp"
#include "db/sweep_store.hpp"
#include "lib/error.hpp"
#include "sweeps/run_report.hpp"

namespace scalelab::study {

namespace {

std::optional<double> number(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_number()) return std::nullopt;
  return j[key].get<double>();
}

}  // namespace

StudyInput sweep_study_input(const std::string& db_path, const std::string& sweep_name) {
  db::Database db = db::open_database(db_path);
  const db::SweepRecord sweep = db::require_sweep(db, sweep_name);
  const nlohmann::json runs = sweeps::runs_json(db, sweep.id, /*with_metrics=*/true);
  StudyInput in;
  in.source = fmt::format("sweep {} ({})", sweep_name, db_path);
  in.planned_budgets = sweep.source != "import";
  const nlohmann::json config = nlohmann::json::parse(sweep.config_json, nullptr, false);
  if (config.is_object() && config.contains("options")) in.plan = config["options"];
  for (const auto& r : runs) {
    const std::string name = r.value("name", std::string());
    const std::string status = r.value("status", std::string());
    const double params = number(r, "params").value_or(0);
    const double tokens = number(r, "tokens").value_or(0);
    const double flops = number(r, "flops").value_or(6 * params * tokens);
    // Held-out loss when the run has one (imported results), else the final training loss.
    const auto loss =
        number(r, "final_eval_loss") ? number(r, "final_eval_loss") : number(r, "final_train_loss");
    StudyRunRow row{name, status, params, tokens, flops, loss, number(r, "budget_flops")};
    in.run_table.push_back(row);
    double last_tokens = 0;
    if (r.contains("metrics") && r["metrics"].is_array()) {
      for (const auto& m : r["metrics"]) {
        const auto step = number(m, "step");
        const auto seen = number(m, "tokens");
        const auto l = number(m, "train_loss") ? number(m, "train_loss") : number(m, "eval_loss");
        if (!step || !seen || !l || !(*seen > 0) || !(*l > 0)) continue;
        Observation p;
        p.params = params;
        p.tokens = *seen;
        p.flops = 6 * params * *seen;
        p.loss = *l;
        p.step = static_cast<std::int64_t>(*step);
        p.run_id = name;
        p.label = name;
        p.where = fmt::format("run {} step {}", name, *step);
        in.curves.push_back(p);
        last_tokens = std::max(last_tokens, *seen);
      }
    }
    if (status != "done" || !loss) continue;
    Observation o;
    o.params = params;
    o.tokens = tokens;
    o.flops = flops;
    o.loss = *loss;
    o.run_id = name;
    o.label = name;
    o.where = fmt::format("run {} of sweep {}", name, sweep_name);
    if (number(r, "unique_tokens")) o.unique_tokens = number(r, "unique_tokens");
    in.runs.push_back(o);
    if (last_tokens > 0 && last_tokens < tokens * 0.999) in.planned_tokens[name] = tokens;
  }
  if (in.runs.empty())
    throw InputError(
        fmt::format("sweep {} in {}: no finished run with a final loss yet "
                    "(run it with `scalelab sweep run {}`)",
                    sweep_name, db_path, sweep_name));
  in.commands = {
      fmt::format("scalelab sweep show {} --db {}", sweep_name, db_path),
      fmt::format("scalelab sweep run {} --db {}", sweep_name, db_path),
      fmt::format("scalelab runs export {} --db {} --format csv --metrics", sweep_name, db_path),
  };
  return in;
}

}  // namespace scalelab::study
