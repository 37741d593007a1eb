#include "sweeps/run_outcome.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "db/metrics_store.hpp"
#include "sweeps/ingest.hpp"
#include "sweeps/process.hpp"

namespace scalelab::sweeps {

namespace fs = std::filesystem;

namespace {

// The end of the task's log, or why there is none (a run directory deleted mid-sweep).
std::string what_the_log_says(const Task& task, const std::string& log) {
  std::string tail = log_tail(log);
  if (!tail.empty()) return tail;
  std::error_code ec;
  if (!fs::exists(task.run_dir, ec))
    return fmt::format("its run directory {} is gone", task.run_dir);
  return fmt::format("{} is empty or missing", log);
}

}  // namespace

TaskVerdict judge_task_end(db::Database& db, const Task& task, const TaskEnd& end,
                           bool runs_worker) {
  using db::RunOutcome;
  using db::RunStatus;
  const std::string log = (fs::path(task.run_dir) / kWorkerLog).string();
  const char* who = runs_worker ? "worker" : "command";
  std::string what = end.status.describe();
  if (!end.detail.empty()) what += " (" + end.detail + ")";

  if (end.status.ok()) {
    const auto summary = read_summary(task.run_dir);
    const db::LastLosses last = db::last_losses(db, task.run_id);
    if (!summary && !last.train_loss && !last.eval_loss)
      return {RunOutcome{RunStatus::kFailed,
                         {},
                         {},
                         fmt::format("{} exited 0 but wrote no losses ({} nor {} in {})", who,
                                     kMetricsFile, kSummaryFile, task.run_dir),
                         {}},
              {}};
    const bool early_stop = task.spec.stop_steps < task.spec.hp.total_steps;
    RunOutcome o{early_stop ? RunStatus::kStopped : RunStatus::kDone, last.train_loss,
                 last.eval_loss, std::nullopt, std::nullopt};
    if (summary && summary->train_loss) o.final_train_loss = summary->train_loss;
    if (summary && summary->eval_loss) o.final_eval_loss = summary->eval_loss;
    return {o, {}};
  }
  if (runs_worker && end.status.code == kWorkerExitDiverged) {
    std::string reason = log_tail(log, 1);
    std::optional<std::int64_t> step;
    if (std::ifstream in(fs::path(task.run_dir) / kDivergedFile); in) {
      const nlohmann::json d = nlohmann::json::parse(in, nullptr, false);
      if (d.is_object()) {
        if (d.contains("reason") && d["reason"].is_string()) reason = d["reason"];
        if (d.contains("step") && d["step"].is_number_integer())
          step = d["step"].get<std::int64_t>();
      }
    }
    return {RunOutcome{RunStatus::kDiverged, {}, {}, reason, step}, {}};
  }
  if (runs_worker && end.status.code == kWorkerExitBadInput)
    return {RunOutcome{
                RunStatus::kFailed,
                {},
                {},
                fmt::format("worker rejected the run ({}): {}", what, what_the_log_says(task, log)),
                {}},
            {}};
  return {std::nullopt, fmt::format("{} {}: {}", who, what, what_the_log_says(task, log))};
}

std::string describe_outcome(const std::string& name, const db::RunOutcome& o) {
  if (o.status == db::RunStatus::kDone || o.status == db::RunStatus::kStopped)
    return fmt::format("run {} {}: final train loss {}, eval loss {}", name,
                       db::run_status_name(o.status),
                       o.final_train_loss ? fmt::format("{:.4f}", *o.final_train_loss) : "-",
                       o.final_eval_loss ? fmt::format("{:.4f}", *o.final_eval_loss) : "-");
  return fmt::format("run {} {}: {}", name, db::run_status_name(o.status), o.error.value_or(""));
}

}  // namespace scalelab::sweeps
