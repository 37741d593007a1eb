#include "study/run_set.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include "db/fit_store.hpp"
#include "db/metrics_store.hpp"
#include "db/run_status.hpp"
#include "db/schema.hpp"
#include "db/sweep_store.hpp"
#include "lib/compute.hpp"
#include "lib/error.hpp"

namespace scalelab::study {

const char* loss_kind_name(LossKind kind) {
  switch (kind) {
    case LossKind::kEval:
      return "eval";
    case LossKind::kTrain:
      return "train";
    case LossKind::kExtrapolated:
      return "extrapolated";
    case LossKind::kImported:
      return "imported";
  }
  return "eval";
}

const char* param_count_name(ParamCount count) {
  return count == ParamCount::kTotal ? "total" : "non_embedding";
}

ParamCount parse_param_count(const std::string& text, const std::string& what) {
  if (text == "total") return ParamCount::kTotal;
  if (text == "non_embedding" || text == "non-embedding") return ParamCount::kNonEmbedding;
  throw InputError(
      fmt::format("{}: unknown parameter count '{}' (accepted: total, non_embedding)", what, text));
}

double StudyRun::params_as(ParamCount count) const {
  if (count == ParamCount::kTotal) return params;
  if (!non_embedding_params || !(*non_embedding_params > 0))
    throw InputError(fmt::format(
        "{}: no non-embedding parameter count (fit with total parameters instead)", where));
  return *non_embedding_params;
}

std::size_t RunSet::fitted_count() const {
  return static_cast<std::size_t>(
      std::count_if(runs.begin(), runs.end(), [](const StudyRun& r) { return r.fitted(); }));
}

namespace {

// C of a run under `count`: its planned compute where the plan counted N that way (so that
// the runs of one IsoFLOP budget keep exactly that budget), else 6ND of the counted N.
double counted_flops(const RunSet& set, const StudyRun& r, ParamCount count, double tokens) {
  const ParamCount planned = set.planned_count.value_or(ParamCount::kTotal);
  if (count == planned && tokens == r.planned_tokens && r.flops > 0) return r.flops;
  return training_flops_6nd(r.params_as(count), tokens);
}

}  // namespace

std::vector<Observation> RunSet::fit_observations(ParamCount count) const {
  std::vector<Observation> out;
  for (const StudyRun& r : runs) {
    if (!r.fitted()) continue;
    Observation o;
    o.params = r.params_as(count);
    o.tokens = r.loss_tokens();
    o.flops = counted_flops(*this, r, count, o.tokens);
    o.loss = r.loss->value;
    o.unique_tokens = r.unique_tokens;
    o.run_id = r.name;
    o.label = r.name;
    o.where = r.where;
    out.push_back(o);
  }
  return out;
}

std::vector<Observation> RunSet::curve_observations(ParamCount count) const {
  std::vector<Observation> out;
  for (const StudyRun& r : runs) {
    if (r.curve.empty()) continue;
    const double n = r.params_as(count);
    for (const CurvePoint& p : r.curve) {
      Observation o;
      o.params = n;
      o.tokens = p.tokens;
      o.flops = training_flops_6nd(n, p.tokens);
      o.loss = p.loss;
      o.step = p.step;
      o.run_id = r.name;
      o.label = r.name;
      o.where = fmt::format("{} step {}", r.where, p.step);
      out.push_back(o);
    }
  }
  return out;
}

namespace {

// The latest stored extrapolation of each run (early-stop mode), by run id.
std::map<std::int64_t, db::PredictionRecord> extrapolations(db::Database& db) {
  std::map<std::int64_t, db::PredictionRecord> out;
  for (db::PredictionRecord& p : db::list_predictions(db, std::nullopt))
    if (p.kind == "extrapolation" && p.run_id) out[*p.run_id] = std::move(p);
  return out;
}

// An extrapolation's loss, model and interval; none unless its loss is finite and positive.
std::optional<RunLoss> extrapolated_loss(const db::PredictionRecord& p) {
  if (!p.loss || !std::isfinite(*p.loss) || !(*p.loss > 0)) return std::nullopt;
  RunLoss l;
  l.value = *p.loss;
  l.kind = LossKind::kExtrapolated;
  const nlohmann::json detail = nlohmann::json::parse(p.result_json, nullptr, false);
  if (detail.is_object()) {
    if (detail.contains("model") && detail["model"].is_string())
      l.model = detail["model"].get<std::string>();
    if (detail.contains("final_step") && detail["final_step"].is_number_integer())
      l.final_step = detail["final_step"].get<std::int64_t>();
  }
  if (p.loss_lo && p.loss_hi && std::isfinite(*p.loss_lo) && std::isfinite(*p.loss_hi))
    l.interval = fitting::Interval{*p.loss_lo, *p.loss_hi};
  return l;
}

std::optional<ParamCount> planned_param_count(const nlohmann::json& plan) {
  if (!plan.is_object() || !plan.contains("param_count") || !plan["param_count"].is_string())
    return std::nullopt;
  return parse_param_count(plan["param_count"].get<std::string>(), "the sweep's param_count");
}

}  // namespace

RunSet read_sweep_runs(db::Database& db, const std::string& sweep_name,
                       const std::string& db_path) {
  const db::SweepRecord sweep = db::require_sweep(db, sweep_name);
  RunSet set;
  set.source = fmt::format("sweep {} ({})", sweep_name, db_path);
  const bool imported = sweep.source == "import";
  set.planned_budgets = !imported;
  const nlohmann::json config = nlohmann::json::parse(sweep.config_json, nullptr, false);
  if (config.is_object() && config.contains("options")) set.plan = config["options"];
  set.planned_count = planned_param_count(set.plan);
  const auto stored = extrapolations(db);
  for (const db::RunRecord& r : db::list_runs(db, sweep.id)) {
    StudyRun run;
    run.name = r.name;
    run.status = std::string(db::run_status_name(r.status));
    run.params = r.params;
    run.non_embedding_params = r.non_embedding_params;
    run.planned_tokens = r.tokens;
    run.flops = r.flops > 0 ? r.flops : training_flops_6nd(r.params, r.tokens);
    run.budget = r.budget_flops;
    run.unique_tokens = r.unique_tokens;
    run.where = fmt::format("run {} of sweep {}", r.name, sweep_name);
    run.final_train_loss = r.final_train_loss;
    run.final_eval_loss = r.final_eval_loss;
    double last_tokens = 0;
    for (const db::MetricRow& m : db::list_metrics(db, r.id)) {
      run.steps = std::max(run.steps.value_or(0), m.step);
      if (!m.tokens || !(*m.tokens > 0)) continue;
      last_tokens = std::max(last_tokens, *m.tokens);
      if (m.train_loss && std::isfinite(*m.train_loss) && *m.train_loss > 0)
        run.curve.push_back({m.step, *m.tokens, *m.train_loss});
    }
    run.trained_tokens = (imported || last_tokens == 0) ? r.tokens : last_tokens;
    if (imported) {
      const auto loss = r.final_eval_loss ? r.final_eval_loss : r.final_train_loss;
      if (loss)
        run.loss = RunLoss{*loss, LossKind::kImported, {}, {}, {}};
      else
        run.excluded = "no loss in the imported file";
    } else if (r.status == db::RunStatus::kStopped ||
               (r.status == db::RunStatus::kDone && run.stopped_early())) {
      const auto it = stored.find(r.id);
      if (it != stored.end()) run.loss = extrapolated_loss(it->second);
      if (!run.loss)
        run.excluded = fmt::format(
            "stopped early at D = {:.4g} of {:.4g} planned tokens with no stored extrapolation",
            run.trained_tokens, run.planned_tokens);
    } else if (r.status == db::RunStatus::kDone) {
      if (r.final_eval_loss)
        run.loss = RunLoss{*r.final_eval_loss, LossKind::kEval, {}, {}, {}};
      else if (r.final_train_loss)
        run.loss = RunLoss{*r.final_train_loss, LossKind::kTrain, {}, {}, {}};
      else
        run.excluded = "done without a final loss";
    } else {
      run.excluded = "status " + run.status;
    }
    set.runs.push_back(std::move(run));
  }
  if (set.fitted_count() == 0)
    throw InputError(
        fmt::format("sweep {} in {}: no finished run with a final loss yet "
                    "(run it with `scalelab sweep run {}`)",
                    sweep_name, db_path, sweep_name));
  set.commands = {
      fmt::format("scalelab sweep show {} --db {}", sweep_name, db_path),
      fmt::format("scalelab sweep run {} --db {}", sweep_name, db_path),
      fmt::format("scalelab runs export {} --db {} --format csv --metrics", sweep_name, db_path),
  };
  return set;
}

RunSet read_sweep_runs(const std::string& db_path, const std::string& sweep_name) {
  db::Database db = db::open_database(db_path);
  return read_sweep_runs(db, sweep_name, db_path);
}

RunSet run_set_from_observations(const std::vector<Observation>& observations,
                                 const std::string& source) {
  RunSet set;
  set.source = source;
  auto run_of = [](const Observation& o) {
    StudyRun r;
    r.name = !o.label.empty()    ? o.label
             : !o.run_id.empty() ? o.run_id
                                 : std::filesystem::path(o.where).filename().string();
    r.status = "done";
    r.params = o.params;
    r.planned_tokens = r.trained_tokens = o.tokens;
    r.flops = o.flops;
    r.unique_tokens = o.unique_tokens;
    r.where = o.where;
    r.loss = RunLoss{o.loss, LossKind::kImported, {}, {}, {}};
    return r;
  };
  // Rows without a step first, in file order; then one run per curve, by run key, whose final
  // loss is its point with the largest step.
  std::map<std::string, std::vector<const Observation*>> curves;
  for (const Observation& o : observations) {
    if (o.step)
      curves[run_key(o)].push_back(&o);
    else
      set.runs.push_back(run_of(o));
  }
  for (auto& [key, points] : curves) {
    const Observation* final = points.front();  // the first of the points at the largest step
    for (const Observation* p : points)
      if (*p->step > *final->step) final = p;
    std::stable_sort(points.begin(), points.end(), [](const Observation* a, const Observation* b) {
      return *a->step < *b->step;
    });
    StudyRun r = run_of(*final);
    for (const Observation* p : points) r.curve.push_back({*p->step, p->tokens, p->loss});
    set.runs.push_back(std::move(r));
  }
  return set;
}

}  // namespace scalelab::study
