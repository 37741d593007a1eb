#include "sweeps/coordinator.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include <chrono>
#include <deque>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "db/metrics_store.hpp"
#include "db/run_store.hpp"
#include "db/sweep_store.hpp"
#include "lib/atomic_file.hpp"
#include "lib/crash_point.hpp"
#include "lib/error.hpp"
#include "sweeps/extrapolation_record.hpp"
#include "sweeps/interrupt_signals.hpp"
#include "sweeps/launch_spec.hpp"
#include "sweeps/run_monitor.hpp"
#include "sweeps/run_outcome.hpp"
#include "sweeps/sweep_lock.hpp"
#include "sweeps/sweep_progress.hpp"

namespace scalelab::sweeps {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
using db::RunStatus;

class Coordinator {
 public:
  Coordinator(db::Database& db, const db::SweepRecord& sweep, DispatchBackend& backend,
              const CoordinatorOptions& options, ProgressView& view,
              const InterruptSignals& signals)
      : db_(db),
        sweep_(sweep),
        backend_(backend),
        o_(options),
        view_(view),
        signals_(signals),
        progress_(sweep.name, options.train_fraction) {}

  CoordinatorResult run() {
    const auto start = Clock::now();
    for (db::RunRecord& r : db::list_runs(db_, sweep_.id)) runs_[r.id] = std::move(r);
    recover_interrupted();
    for (const auto& [id, r] : runs_)
      if (r.status == RunStatus::kPending) pending_.push_back(id);
    if (o_.train_fraction < 1.0) {
      std::vector<db::RunRecord> all;
      for (const auto& [id, r] : runs_) all.push_back(r);
      references_ = reference_run_ids(all, o_.reference_runs);
      launch_references_first(pending_, references_);
    }
    if (pending_.empty() && active_.empty())
      view_.event(fmt::format("sweep {}: no pending runs", sweep_.name));
    // Whatever happens below, no run of ours keeps training unsupervised.
    struct CancelGuard {
      DispatchBackend& b;
      ~CancelGuard() { b.cancel_all(); }
    } guard{backend_};

    while (!pending_.empty() || !active_.empty()) {
      if (signals_.received()) interrupt();
      while (static_cast<int>(active_.size()) < backend_.slots() && !pending_.empty()) {
        const std::int64_t id = pending_.front();
        pending_.pop_front();
        launch(id);
      }
      for (const auto& [id, job] : backend_.flush()) db::set_backend_job(db_, id, job);
      crash_point("coordinator:after_flush");
      std::this_thread::sleep_for(std::chrono::duration<double>(o_.poll_seconds));
      for (auto& [id, m] : active_) ingest(m, false);
      for (const TaskEnd& end : backend_.poll()) finish(end);
      view_.update(progress_.update(runs_, active_));
    }
    view_.finish();

    CoordinatorResult result;
    result.launched = launched_;
    for (const db::RunRecord& r : db::list_runs(db_, sweep_.id)) {
      result.counts.add(r.status);
      if (!db::is_final(r.status))
        result.unfinished.push_back(fmt::format("{} ({})", r.name, db::run_status_name(r.status)));
    }
    result.done = static_cast<int>(result.counts[RunStatus::kDone]);
    result.failed = static_cast<int>(result.counts[RunStatus::kFailed]);
    result.diverged = static_cast<int>(result.counts[RunStatus::kDiverged]);
    result.stopped = static_cast<int>(result.counts[RunStatus::kStopped]);
    result.pending = static_cast<int>(result.counts[RunStatus::kPending]);
    result.wall_seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return result;
  }

 private:
  fs::path run_dir(const db::RunRecord& r) const {
    return fs::path(o_.runs_dir) / sweep_.name / r.name;
  }

  RunSpec spec_of(const db::RunRecord& r, const fs::path& dir) const {
    LaunchSpecOptions o;
    o.rules = o_.rules;
    o.train_fraction = o_.train_fraction;
    o.reference = references_.count(r.id) > 0;
    // The references of the run's budget (same budget_flops).
    for (std::int64_t id : references_) {
      const db::RunRecord& ref = runs_.at(id);
      if (ref.budget_flops.value_or(0.0) == r.budget_flops.value_or(0.0))
        o.reference_dirs.push_back(run_dir(ref).string());
    }
    return launch_spec(r, sweep_.name, dir, o);
  }

  // Runs left `running` by a coordinator that died: re-attached where the backend can (Slurm
  // tasks keep running), else requeued without counting a failure.
  void recover_interrupted() {
    std::vector<std::int64_t> interrupted;
    for (const auto& [id, r] : runs_)
      if (r.status == RunStatus::kRunning) interrupted.push_back(id);
    if (interrupted.empty()) return;
    if (!o_.resume)
      throw InputError(
          fmt::format("sweep '{}' has {} run(s) left running by a coordinator that stopped; "
                      "`scalelab sweep resume {}` continues it",
                      sweep_.name, interrupted.size(), sweep_.name));
    for (std::int64_t id : interrupted) {
      const db::RunRecord& r = runs_.at(id);
      const db::RunLifecycle life = db::load_lifecycle(db_, id);
      const fs::path dir = life.run_dir ? fs::path(*life.run_dir) : run_dir(r);
      if (life.backend_job) {
        Task task{id, dir.string(), spec_of(r, dir)};
        if (backend_.adopt(task, *life.backend_job)) {
          active_.emplace(id, RunMonitor(db_, task, o_.divergence));
          view_.event(fmt::format("run {} re-attached (job {})", r.name, *life.backend_job));
          continue;
        }
      }
      db::requeue_run(db_, id, false, std::nullopt);
      runs_.at(id).status = RunStatus::kPending;
      view_.event(fmt::format("run {} was interrupted: resuming it from its checkpoint", r.name));
    }
  }

  void launch(std::int64_t id) {
    db::RunRecord& r = runs_.at(id);
    const fs::path dir = run_dir(r);
    const db::RunLifecycle before = db::load_lifecycle(db_, id);
    if (before.attempts > 0 && !fs::exists(dir))
      view_.event(fmt::format("run {}: its directory {} is gone; training it again from step 1",
                              r.name, dir.string()));
    fs::create_directories(dir);
    RunSpec spec = spec_of(r, dir);
    backend_.assign(spec);
    write_file_atomically(dir / kRunSpecFile, json(spec).dump(2) + "\n");
    json config = json::parse(r.config_json, nullptr, false);
    if (!config.is_object()) config = json::object();
    config["launch"] = spec;
    std::optional<std::string> host;
    if (backend_.runs_on_this_host()) {
      char name[256] = {};
      ::gethostname(name, sizeof name - 1);
      host = name;
    }
    db::ClaimInfo claim{
        dir.string(), backend_.name(), host,
        spec.device + (spec.threads ? fmt::format(" ({} threads)", spec.threads) : std::string()),
        config.dump()};
    if (!db::claim_run(db_, id, claim)) return;  // someone else changed it meanwhile
    r.status = RunStatus::kRunning;
    crash_point("coordinator:after_claim");
    Task task{id, dir.string(), spec};
    RunMonitor monitor(db_, task, o_.divergence);
    try {
      backend_.launch(task);
    } catch (const Error& e) {
      active_.emplace(id, std::move(monitor));
      crashed(id, fmt::format("could not start: {}", e.what()));
      return;
    }
    ++launched_;
    view_.event(fmt::format("run {} started (attempt {}, {} steps{}, {})", r.name,
                            before.attempts + 1, spec.hp.total_steps,
                            spec.stop_steps < spec.hp.total_steps
                                ? fmt::format(", stopping at {}", spec.stop_steps)
                                : std::string(),
                            spec.device));
    active_.emplace(id, std::move(monitor));
  }

  void ingest(RunMonitor& m, bool ended) {
    for (const std::string& w : m.ingest(db_, ended)) view_.event(w);
    if (m.decided() && !m.cancelled) {
      backend_.cancel(m.task().run_id);
      m.cancelled = true;
    }
  }

  void finish(const TaskEnd& end) {
    auto it = active_.find(end.run_id);
    if (it == active_.end()) return;
    RunMonitor& m = it->second;
    ingest(m, true);
    const db::RunRecord& r = runs_.at(end.run_id);
    std::optional<db::RunOutcome> outcome = m.decided();
    std::string crash;
    if (!outcome) {
      TaskVerdict v = judge_task_end(db_, m.task(), end, backend_.runs_worker());
      outcome = std::move(v.outcome);
      crash = std::move(v.crash);
    }
    if (!outcome) {
      crashed(end.run_id, crash);
      return;
    }
    std::optional<db::PredictionRecord> extrapolation;
    if (outcome->status == RunStatus::kStopped) {
      ExtrapolationRecord e = read_extrapolation(r, m.task().run_dir);
      view_.event(e.message);
      extrapolation = std::move(e.prediction);
    }
    crash_point("coordinator:before_finish");
    db::finish_run(db_, end.run_id, *outcome, extrapolation);
    crash_point("coordinator:after_finish");
    runs_.at(end.run_id).status = outcome->status;
    view_.event(describe_outcome(r.name, *outcome));
    active_.erase(it);
  }

  // A crashed attempt: retried from its checkpoint while --retries allow, else failed.
  void crashed(std::int64_t id, const std::string& error) {
    const db::RunLifecycle life = db::load_lifecycle(db_, id);
    const std::string& name = runs_.at(id).name;
    if (life.failures + 1 <= o_.retries) {
      db::requeue_run(db_, id, true, error);
      runs_.at(id).status = RunStatus::kPending;
      pending_.push_back(id);
      std::error_code ec;
      const bool dir_left = fs::exists(run_dir(runs_.at(id)), ec);
      view_.event(fmt::format("run {} crashed: {}; retry {} of {} {}", name, error,
                              life.failures + 1, o_.retries,
                              dir_left ? "from its checkpoint" : "from step 1"));
    } else {
      const db::RunOutcome failed{
          RunStatus::kFailed,
          {},
          {},
          fmt::format("crashed {} time(s); last: {}", life.failures + 1, error),
          {}};
      db::finish_run(db_, id, failed);
      runs_.at(id).status = RunStatus::kFailed;
      view_.event(describe_outcome(name, failed));
    }
    active_.erase(id);
  }

  [[noreturn]] void interrupt() {
    backend_.cancel_all();
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    std::vector<std::int64_t> ids;
    for (const auto& [id, m] : active_) ids.push_back(id);
    while (!active_.empty() && Clock::now() < deadline) {
      for (const TaskEnd& end : backend_.poll()) {
        if (auto it = active_.find(end.run_id); it != active_.end()) {
          ingest(it->second, true);
          active_.erase(it);
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    for (std::int64_t id : ids) db::requeue_run(db_, id, false, std::nullopt);
    view_.finish();
    throw Error(
        fmt::format("interrupted by signal {}: {} running run(s) stopped and requeued; "
                    "`scalelab sweep resume {}` continues from their checkpoints",
                    signals_.received(), ids.size(), sweep_.name));
  }

  db::Database& db_;
  const db::SweepRecord& sweep_;
  DispatchBackend& backend_;
  const CoordinatorOptions& o_;
  ProgressView& view_;
  const InterruptSignals& signals_;
  ProgressTracker progress_;
  std::map<std::int64_t, db::RunRecord> runs_;
  std::deque<std::int64_t> pending_;
  std::set<std::int64_t> references_;  // early-stop mode: the runs trained to the end
  std::map<std::int64_t, RunMonitor> active_;
  int launched_ = 0;
};

}  // namespace

std::string CoordinatorResult::unfinished_message(const std::string& sweep) const {
  std::string names;
  for (const std::string& u : unfinished) names += (names.empty() ? "" : ", ") + u;
  return fmt::format("sweep '{}' is not finished: {} run(s) not in a final state: {}", sweep,
                     unfinished.size(), names);
}

std::string default_runs_dir(const std::string& db_path) {
  const fs::path parent = fs::absolute(db_path).parent_path();
  return (parent / "scalelab-runs").string();
}

CoordinatorResult run_sweep(db::Database& db, const std::string& sweep_name,
                            DispatchBackend& backend, const CoordinatorOptions& options,
                            ProgressView& view) {
  const db::SweepRecord sweep = db::require_sweep(db, sweep_name);
  if (options.runs_dir.empty()) throw InputError("--runs-dir: empty path");
  if (!(options.train_fraction > 0 && options.train_fraction <= 1))
    throw InputError(
        fmt::format("--train-fraction: {} (accepted: 0 < f <= 1)", options.train_fraction));
  if (options.retries < 0)
    throw InputError(fmt::format("--retries: {} (accepted: >= 0)", options.retries));
  options.rules.validate();
  const fs::path dir = fs::absolute(fs::path(options.runs_dir) / sweep.name);
  fs::create_directories(dir);
  SweepLock lock(dir, sweep.name);
  InterruptSignals signals;
  CoordinatorOptions absolute = options;
  absolute.runs_dir = fs::absolute(options.runs_dir).string();
  Coordinator c(db, sweep, backend, absolute, view, signals);
  return c.run();
}

}  // namespace scalelab::sweeps
