#include "sweeps/run_report.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "db/fit_store.hpp"
#include "db/metrics_store.hpp"
#include "db/status_store.hpp"
#include "lib/error.hpp"
#include "sweeps/run_spec.hpp"
#include "sweeps/train_command.hpp"
#include "sweeps/train_config_for.hpp"

namespace scalelab::sweeps {
namespace {

using nlohmann::json;

template <typename T>
json or_null(const std::optional<T>& v) {
  return v ? json(*v) : json();
}

Cell number_cell(const std::optional<double>& v) { return v ? Cell::si(*v) : Cell::text(""); }
Cell text_cell(const std::optional<std::string>& v) { return Cell::text(v.value_or("")); }

// The run's latest extrapolation (early-stop mode), if any.
std::optional<db::PredictionRecord> extrapolation(const std::vector<db::PredictionRecord>& all,
                                                  std::int64_t run_id) {
  std::optional<db::PredictionRecord> found;
  for (const auto& p : all)
    if (p.kind == "extrapolation" && p.run_id == run_id) found = p;
  return found;
}

json metrics_json(db::Database& db, std::int64_t run_id) {
  json out = json::array();
  for (const db::MetricRow& m : db::list_metrics(db, run_id))
    out.push_back({{"step", m.step},
                   {"tokens", or_null(m.tokens)},
                   {"train_loss", or_null(m.train_loss)},
                   {"eval_loss", or_null(m.eval_loss)},
                   {"lr", or_null(m.lr)},
                   {"grad_norm", or_null(m.grad_norm)},
                   {"tokens_per_s", or_null(m.tokens_per_s)}});
  return out;
}

std::int64_t planned_steps(const std::string& config_json) {
  const json c = json::parse(config_json, nullptr, false);
  if (!c.is_object() || !c.contains("launch")) return 0;
  const json& l = c["launch"];
  if (l.contains("stop_steps") && l["stop_steps"].is_number_integer())
    return l["stop_steps"].get<std::int64_t>();
  return 0;
}

// The `scalelab train` command that trains a launched run from scratch (its launch spec,
// through the worker's train_config_for), into replay/NAME; null for a run not launched yet
// (its hyperparameters are resolved at launch) or imported.
json train_command_json(const json& config, const std::string& name) {
  if (!config.is_object() || !config.contains("launch")) return json();
  try {
    const RunSpec spec = config["launch"].get<RunSpec>();
    return train_command(train_config_for(spec, ""), "replay/" + name);
  } catch (const json::exception&) {
    return json();  // a launch spec of another version: nothing to rebuild it from
  } catch (const InputError&) {
    return json();
  }
}

// The FLOPs the run trained: 6·N·(tokens of its last logged step); the planned FLOPs for an
// imported run (it brings no steps); 0 before its first step.
double trained_flops(db::Database& db, const db::RunRecord& r, bool launched) {
  if (const auto m = db::latest_metric(db, r.id); m && m->tokens && r.tokens > 0)
    return r.flops * *m->tokens / r.tokens;
  return launched ? 0.0 : (r.status == db::RunStatus::kDone ? r.flops : 0.0);
}

}  // namespace

json runs_json(db::Database& db, std::int64_t sweep_id, bool with_metrics) {
  const auto predictions = db::list_predictions(db, std::nullopt);
  json out = json::array();
  for (const db::RunStatusRow& s : db::run_statuses(db, sweep_id)) {
    const db::RunRecord& r = s.run;
    json config = json::parse(r.config_json, nullptr, false);
    json row = {{"run_id", r.id},
                {"name", r.name},
                {"status", db::run_status_name(r.status)},
                {"params", r.params},
                {"non_embedding_params", or_null(r.non_embedding_params)},
                {"tokens", r.tokens},
                {"flops", r.flops},
                {"trained_flops", 0.0},
                {"budget_flops", or_null(r.budget_flops)},
                {"unique_tokens", or_null(r.unique_tokens)},
                {"final_train_loss", or_null(r.final_train_loss)},
                {"final_eval_loss", or_null(r.final_eval_loss)},
                {"attempts", r.attempts},
                {"failures", s.lifecycle.failures},
                {"host", or_null(r.host)},
                {"device", or_null(r.device)},
                {"started_at", or_null(r.started_at)},
                {"ended_at", or_null(r.ended_at)},
                {"last_error", or_null(r.last_error)},
                {"diverged_step", or_null(s.lifecycle.diverged_step)},
                {"run_dir", or_null(s.lifecycle.run_dir)},
                {"config", config.is_discarded() ? json() : config},
                {"extrapolation", json()}};
    const bool launched = config.is_object() && config.contains("launch");
    row["trained_flops"] = trained_flops(db, r, launched);
    row["train_command"] = train_command_json(config, r.name);
    if (auto p = extrapolation(predictions, r.id)) {
      const json detail = json::parse(p->result_json, nullptr, false);
      row["extrapolation"] = {
          {"loss", or_null(p->loss)},
          {"loss_lo", or_null(p->loss_lo)},
          {"loss_hi", or_null(p->loss_hi)},
          {"final_step", detail.is_object() ? detail.value("final_step", json()) : json()},
          {"model", detail.is_object() ? detail.value("model", json()) : json()},
          {"references",
           detail.is_object() ? detail.value("references", json::array()) : json::array()}};
    }
    if (with_metrics) row["metrics"] = metrics_json(db, r.id);
    out.push_back(std::move(row));
  }
  return out;
}

Table runs_table(db::Database& db, std::int64_t sweep_id) {
  const auto predictions = db::list_predictions(db, std::nullopt);
  Table t({"run_id",
           "name",
           "status",
           "params",
           "non_embedding_params",
           "tokens",
           "flops",
           "trained_flops",
           "budget_flops",
           "unique_tokens",
           "final_train_loss",
           "final_eval_loss",
           "attempts",
           "failures",
           "host",
           "device",
           "started_at",
           "ended_at",
           "last_error",
           "diverged_step",
           "run_dir",
           "extrapolated_loss",
           "extrapolated_loss_lo",
           "extrapolated_loss_hi",
           "train_command",
           "config"});
  for (const db::RunStatusRow& s : db::run_statuses(db, sweep_id)) {
    const db::RunRecord& r = s.run;
    const auto p = extrapolation(predictions, r.id);
    const json config = json::parse(r.config_json, nullptr, false);
    const bool launched = config.is_object() && config.contains("launch");
    const json command = train_command_json(config, r.name);
    t.add_row(
        {Cell::integer(r.id),
         Cell::text(r.name),
         Cell::text(std::string(db::run_status_name(r.status))),
         Cell::si(r.params),
         number_cell(r.non_embedding_params),
         Cell::si(r.tokens),
         Cell::si(r.flops),
         Cell::si(trained_flops(db, r, launched)),
         number_cell(r.budget_flops),
         number_cell(r.unique_tokens),
         number_cell(r.final_train_loss),
         number_cell(r.final_eval_loss),
         Cell::integer(r.attempts),
         Cell::integer(s.lifecycle.failures),
         text_cell(r.host),
         text_cell(r.device),
         text_cell(r.started_at),
         text_cell(r.ended_at),
         text_cell(r.last_error),
         s.lifecycle.diverged_step ? Cell::integer(*s.lifecycle.diverged_step) : Cell::text(""),
         text_cell(s.lifecycle.run_dir),
         number_cell(p ? p->loss : std::nullopt),
         number_cell(p ? p->loss_lo : std::nullopt),
         number_cell(p ? p->loss_hi : std::nullopt),
         Cell::text(command.is_string() ? command.get<std::string>() : std::string()),
         Cell::text(r.config_json)});
  }
  return t;
}

Table metrics_table(db::Database& db, std::int64_t sweep_id) {
  Table t({"run_id", "name", "step", "tokens", "train_loss", "eval_loss", "lr", "grad_norm",
           "tokens_per_s"});
  for (const db::RunRecord& r : db::list_runs(db, sweep_id))
    for (const db::MetricRow& m : db::list_metrics(db, r.id))
      t.add_row({Cell::integer(r.id), Cell::text(r.name), Cell::integer(m.step),
                 number_cell(m.tokens), number_cell(m.train_loss), number_cell(m.eval_loss),
                 number_cell(m.lr), number_cell(m.grad_norm), number_cell(m.tokens_per_s)});
  return t;
}

Table status_table(db::Database& db, std::int64_t sweep_id) {
  Table t({"run_id", "name", "status", "params", "tokens", "progress", "tokens_per_s", "train_loss",
           "eval_loss", "attempts", "note"});
  for (const db::RunStatusRow& s : db::run_statuses(db, sweep_id)) {
    const db::RunRecord& r = s.run;
    const std::int64_t steps = planned_steps(r.config_json);
    std::string progress;
    if (r.status == db::RunStatus::kDone && steps == 0)
      progress = "done";
    else if (steps > 0)
      progress = fmt::format("{}/{}", s.latest ? s.latest->step : 0, steps);
    else if (s.latest)
      progress = fmt::format("step {}", s.latest->step);
    std::optional<double> train = r.final_train_loss, eval = r.final_eval_loss;
    const bool diverged = r.status == db::RunStatus::kDiverged;
    if (!train && s.latest && !diverged) train = s.latest->train_loss;
    if (!eval && !diverged) eval = db::last_losses(db, r.id).eval_loss;
    std::string note = r.last_error.value_or("");
    if (r.status == db::RunStatus::kDone) note.clear();
    if (note.size() > 120) note = note.substr(0, 117) + "...";
    t.add_row({Cell::integer(r.id), Cell::text(r.name),
               Cell::text(std::string(db::run_status_name(r.status))), Cell::si(r.params),
               Cell::si(r.tokens), Cell::text(progress),
               number_cell(s.latest ? s.latest->tokens_per_s : std::nullopt),
               train ? Cell::fixed(*train, 4) : Cell::text(""),
               eval ? Cell::fixed(*eval, 4) : Cell::text(""), Cell::integer(r.attempts),
               Cell::text(note)});
  }
  return t;
}

Table sweeps_table(db::Database& db) {
  using S = db::RunStatus;
  const S columns[] = {S::kPending, S::kRunning, S::kDone, S::kFailed, S::kDiverged, S::kStopped};
  std::vector<std::string> headers = {"sweep", "source", "created_at", "runs"};
  for (S s : columns) headers.emplace_back(db::run_status_name(s));
  Table t(headers);
  for (const db::SweepCounts& c : db::sweep_counts(db)) {
    std::vector<Cell> row = {Cell::text(c.sweep.name), Cell::text(c.sweep.source),
                             Cell::text(c.sweep.created_at), Cell::integer(c.by_status.total())};
    for (S s : columns) row.push_back(Cell::integer(c.by_status[s]));
    t.add_row(row);
  }
  return t;
}

}  // namespace scalelab::sweeps
