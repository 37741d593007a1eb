#include "sweeps/coordinator.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "db/fit_store.hpp"
#include "db/metrics_store.hpp"
#include "db/run_store.hpp"
#include "db/sweep_store.hpp"
#include "lib/compute.hpp"
#include "lib/error.hpp"
#include "sweeps/ingest.hpp"

namespace scalelab::sweeps {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::atomic<int> g_signal{0};
extern "C" void on_signal(int sig) { g_signal = sig; }

// SIGINT/SIGTERM set a flag while a sweep runs; the previous handlers come back after.
class SignalGuard {
 public:
  SignalGuard() {
    g_signal = 0;
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~SignalGuard() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }

 private:
  struct sigaction old_int_ {
  }, old_term_{};
};

// One coordinator per sweep: an flock on RUNS_DIR/SWEEP/.coordinator.lock. The kernel
// releases it when the process dies, however it dies.
class SweepLock {
 public:
  SweepLock(const fs::path& dir, const std::string& sweep) {
    const fs::path path = dir / ".coordinator.lock";
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw Error(fmt::format("cannot open lock file '{}'", path.string()));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      std::ifstream in(path);
      std::string pid;
      std::getline(in, pid);
      ::close(fd_);
      throw InputError(
          fmt::format("sweep '{}' is being run by another coordinator (pid {}); "
                      "wait for it or stop it first",
                      sweep, pid.empty() ? "?" : pid));
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_, 0) == 0) {
      [[maybe_unused]] auto n = ::pwrite(fd_, pid.data(), pid.size(), 0);
    }
  }
  ~SweepLock() { ::close(fd_); }
  SweepLock(const SweepLock&) = delete;
  SweepLock& operator=(const SweepLock&) = delete;

 private:
  int fd_ = -1;
};

void write_file_atomically(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    if (!out) throw Error(fmt::format("cannot write '{}'", tmp.string()));
  }
  fs::rename(tmp, path);
}

struct Active {
  Task task;
  DivergenceDetector detector;
  std::optional<db::RunOutcome> decided;  // set when the coordinator stops the run itself
  std::optional<db::MetricRow> latest;
  bool cancelled = false;
};

class Coordinator {
 public:
  Coordinator(db::Database& db, const db::SweepRecord& sweep, DispatchBackend& backend,
              const CoordinatorOptions& options, ProgressView& view)
      : db_(db), sweep_(sweep), backend_(backend), o_(options), view_(view) {}

  CoordinatorResult run() {
    const auto start = Clock::now();
    start_ = start;
    for (db::RunRecord& r : db::list_runs(db_, sweep_.id)) runs_[r.id] = std::move(r);
    recover_interrupted();
    for (const auto& [id, r] : runs_)
      if (r.status == "pending") pending_.push_back(id);
    if (pending_.empty() && active_.empty()) {
      view_.event(fmt::format("sweep {}: no pending runs", sweep_.name));
    }
    // Whatever happens below, no run of ours keeps training unsupervised.
    struct CancelGuard {
      DispatchBackend& b;
      ~CancelGuard() { b.cancel_all(); }
    } guard{backend_};

    while (!pending_.empty() || !active_.empty()) {
      if (g_signal) interrupt();
      while (static_cast<int>(active_.size()) < backend_.slots() && !pending_.empty()) {
        const std::int64_t id = pending_.front();
        pending_.pop_front();
        launch(id);
      }
      for (const auto& [id, job] : backend_.flush()) db::set_backend_job(db_, id, job);
      std::this_thread::sleep_for(std::chrono::duration<double>(o_.poll_seconds));
      for (auto& [id, a] : active_) ingest(a);
      for (const TaskEnd& end : backend_.poll()) finish(end);
      view_.update(progress());
    }
    view_.finish();

    CoordinatorResult result;
    result.launched = launched_;
    for (const db::RunRecord& r : db::list_runs(db_, sweep_.id)) {
      if (r.status == "done") ++result.done;
      if (r.status == "failed") ++result.failed;
      if (r.status == "diverged") ++result.diverged;
      if (r.status == "stopped") ++result.stopped;
      if (r.status == "pending") ++result.pending;
    }
    result.wall_seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return result;
  }

 private:
  fs::path run_dir(const db::RunRecord& r) const {
    return fs::path(o_.runs_dir) / sweep_.name / r.name;
  }

  // The spec of a run: the one it was first launched with (a resumed run must keep its
  // schedule), else resolved now from the rules.
  RunSpec make_spec(const db::RunRecord& r, const fs::path& dir) {
    if (std::ifstream in(dir / kRunSpecFile); in) {
      const json doc = json::parse(in, nullptr, false);
      if (!doc.is_discarded()) {
        try {
          return doc.get<RunSpec>();
        } catch (const json::exception&) {
          // A damaged run.json: resolve again below.
        }
      }
    }
    const json config = json::parse(r.config_json, nullptr, false);
    if (config.is_discarded() || !config.is_object() || !config.contains("shape"))
      throw InputError(
          fmt::format("run '{}' of sweep '{}' has no model shape in its config "
                      "(imported runs cannot be trained)",
                      r.name, sweep_.name));
    RunSpec s;
    s.run_id = r.id;
    s.sweep = sweep_.name;
    s.name = r.name;
    s.shape = config.at("shape").get<ModelShape>();
    s.params = r.params;
    s.tokens = r.tokens;
    s.budget_flops = r.budget_flops.value_or(0.0);
    s.data = config.value("data", std::string("kjv"));
    s.hp = resolve_hyperparameters(o_.rules, r.params, r.tokens, s.shape.seq_len);
    s.stop_steps = s.hp.total_steps;
    if (o_.train_fraction < 1.0)
      s.stop_steps = std::clamp<std::int64_t>(
          static_cast<std::int64_t>(std::ceil(o_.train_fraction * s.hp.total_steps)), 1,
          s.hp.total_steps);
    return s;
  }

  void recover_interrupted() {
    std::vector<std::int64_t> interrupted;
    for (const auto& [id, r] : runs_)
      if (r.status == "running") interrupted.push_back(id);
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
      Task task{id, dir.string(), make_spec(r, dir)};
      if (life.backend_job && backend_.adopt(task, *life.backend_job)) {
        Active a{task, DivergenceDetector(o_.divergence), std::nullopt, std::nullopt, false};
        replay_metrics(a);
        active_.emplace(id, std::move(a));
        view_.event(fmt::format("run {} re-attached (job {})", r.name, *life.backend_job));
      } else {
        db::requeue_run(db_, id, false, std::nullopt);
        runs_.at(id).status = "pending";
        view_.event(fmt::format("run {} was interrupted: resuming it from its checkpoint", r.name));
      }
    }
  }

  // Divergence looks at the whole curve: feed it what earlier attempts logged.
  void replay_metrics(Active& a) {
    for (const db::MetricRow& row : db::list_metrics(db_, a.task.run_id)) {
      a.detector.feed(row);
      a.latest = row;
    }
  }

  void launch(std::int64_t id) {
    db::RunRecord& r = runs_.at(id);
    const fs::path dir = run_dir(r);
    fs::create_directories(dir);
    RunSpec spec = make_spec(r, dir);
    backend_.assign(spec);
    write_file_atomically(dir / kRunSpecFile, json(spec).dump(2) + "\n");
    json config = json::parse(r.config_json, nullptr, false);
    if (!config.is_object()) config = json::object();
    config["launch"] = spec;
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    db::ClaimInfo claim{
        dir.string(), backend_.name(),
        backend_.name() == "slurm" ? std::nullopt : std::optional<std::string>(host),
        spec.device + (spec.threads ? fmt::format(" ({} threads)", spec.threads) : std::string()),
        config.dump()};
    if (!db::claim_run(db_, id, claim)) return;  // someone else changed it meanwhile
    r.status = "running";
    Task task{id, dir.string(), spec};
    Active a{task, DivergenceDetector(o_.divergence), std::nullopt, std::nullopt, false};
    replay_metrics(a);
    const db::RunLifecycle life = db::load_lifecycle(db_, id);
    try {
      backend_.launch(task);
    } catch (const Error& e) {
      active_.emplace(id, std::move(a));
      crashed(id, fmt::format("could not start: {}", e.what()));
      return;
    }
    ++launched_;
    view_.event(fmt::format(
        "run {} started (attempt {}, {} steps{}, {})", r.name, life.attempts, spec.hp.total_steps,
        spec.stop_steps < spec.hp.total_steps ? fmt::format(", stopping at {}", spec.stop_steps)
                                              : std::string(),
        spec.device));
    active_.emplace(id, std::move(a));
  }

  void ingest(Active& a) {
    try {
      IngestResult got = ingest_metrics_file(
          db_, a.task.run_id, (fs::path(a.task.run_dir) / kMetricsFile).string(), &a.detector);
      if (got.latest && a.latest && got.latest->step == a.latest->step) {
        if (!got.latest->train_loss) got.latest->train_loss = a.latest->train_loss;
        if (!got.latest->tokens_per_s) got.latest->tokens_per_s = a.latest->tokens_per_s;
      }
      if (got.latest && (!a.latest || got.latest->step >= a.latest->step)) a.latest = got.latest;
    } catch (const InputError& e) {
      if (!a.decided) a.decided = db::RunOutcome{"failed", {}, {}, e.what(), {}};
    }
    if (!a.decided && a.detector.divergence()) {
      const Divergence& d = *a.detector.divergence();
      a.decided = db::RunOutcome{"diverged", {}, {}, d.reason, d.step};
    }
    if (a.decided && !a.cancelled) {
      backend_.cancel(a.task.run_id);
      a.cancelled = true;
    }
  }

  void finish(const TaskEnd& end) {
    auto it = active_.find(end.run_id);
    if (it == active_.end()) return;
    Active& a = it->second;
    ingest(a);
    const db::RunRecord& r = runs_.at(end.run_id);
    const bool worker = backend_.name() != "command";
    const std::string log = (fs::path(a.task.run_dir) / kWorkerLog).string();
    std::string what = end.status.describe();
    if (!end.detail.empty()) what += " (" + end.detail + ")";

    if (!a.decided && end.status.ok()) {
      const auto summary = read_summary(a.task.run_dir);
      const db::LastLosses last = db::last_losses(db_, end.run_id);
      if (!summary && !last.train_loss && !last.eval_loss) {
        a.decided = db::RunOutcome{
            "failed",
            {},
            {},
            fmt::format("{} exited 0 but wrote no losses ({} nor {} in {})",
                        worker ? "worker" : "command", kMetricsFile, kSummaryFile, a.task.run_dir),
            {}};
      } else {
        db::RunOutcome done{"done", last.train_loss, last.eval_loss, std::nullopt, std::nullopt};
        if (summary && summary->train_loss) done.final_train_loss = summary->train_loss;
        if (summary && summary->eval_loss) done.final_eval_loss = summary->eval_loss;
        a.decided = done;
      }
    } else if (!a.decided && worker && end.status.code == kWorkerExitDiverged) {
      std::string reason = log_tail(log, 1);
      std::optional<std::int64_t> step;
      if (std::ifstream in(fs::path(a.task.run_dir) / kDivergedFile); in) {
        const json d = json::parse(in, nullptr, false);
        if (d.is_object()) {
          reason = d.value("reason", reason);
          if (d.contains("step") && d["step"].is_number_integer())
            step = d["step"].get<std::int64_t>();
        }
      }
      a.decided = db::RunOutcome{"diverged", {}, {}, reason, step};
    } else if (!a.decided && worker && end.status.code == kWorkerExitBadInput) {
      a.decided =
          db::RunOutcome{"failed",
                         {},
                         {},
                         fmt::format("worker rejected the run ({}): {}", what, log_tail(log)),
                         {}};
    }

    if (a.decided) {
      if (a.decided->status == "done" && a.task.spec.stop_steps < a.task.spec.hp.total_steps)
        store_extrapolation(a, r);
      db::finish_run(db_, end.run_id, *a.decided);
      runs_.at(end.run_id).status = a.decided->status;
      view_.event(describe_outcome(r.name, *a.decided));
      active_.erase(it);
      return;
    }
    crashed(end.run_id,
            fmt::format("{} {}: {}", worker ? "worker" : "command", what, log_tail(log)));
  }

  // Early-stop mode: the worker's extrapolated final loss becomes a prediction of the run
  // (kind "extrapolation"), beside its observed curve.
  void store_extrapolation(const Active& a, const db::RunRecord& r) {
    std::ifstream in(fs::path(a.task.run_dir) / kExtrapolationFile);
    if (!in) {
      view_.event(fmt::format("run {}: stopped early without an extrapolation (see {})", r.name,
                              kWorkerLog));
      return;
    }
    const json doc = json::parse(in, nullptr, false);
    if (!doc.is_object() || !doc.contains("loss") || !doc["loss"].is_number()) return;
    auto number = [&](const char* key) -> std::optional<double> {
      return doc.contains(key) && doc[key].is_number() ? std::optional(doc[key].get<double>())
                                                       : std::nullopt;
    };
    db::PredictionRecord p;
    p.run_id = r.id;
    p.kind = "extrapolation";
    p.params = r.params;
    p.tokens = r.tokens;
    p.flops = r.flops;
    p.loss = number("loss");
    p.loss_lo = number("loss_lo");
    p.loss_hi = number("loss_hi");
    p.result_json = doc.dump();
    db::insert_prediction(db_, p);
    view_.event(fmt::format("run {}: extrapolated final loss {:.4f} [{}, {}] at step {}", r.name,
                            *p.loss, p.loss_lo ? fmt::format("{:.4f}", *p.loss_lo) : "?",
                            p.loss_hi ? fmt::format("{:.4f}", *p.loss_hi) : "?",
                            doc.value("final_step", std::int64_t{0})));
  }

  void crashed(std::int64_t id, const std::string& error) {
    const db::RunLifecycle life = db::load_lifecycle(db_, id);
    const std::string& name = runs_.at(id).name;
    if (life.failures + 1 <= o_.retries) {
      db::requeue_run(db_, id, true, error);
      runs_.at(id).status = "pending";
      pending_.push_back(id);
      view_.event(fmt::format("run {} crashed: {}; retry {} of {} from its checkpoint", name, error,
                              life.failures + 1, o_.retries));
    } else {
      const db::RunOutcome failed{
          "failed",
          {},
          {},
          fmt::format("crashed {} time(s); last: {}", life.failures + 1, error),
          {}};
      db::finish_run(db_, id, failed);
      runs_.at(id).status = "failed";
      view_.event(describe_outcome(name, failed));
    }
    active_.erase(id);
  }

  static std::string describe_outcome(const std::string& name, const db::RunOutcome& o) {
    if (o.status == "done")
      return fmt::format("run {} done: final train loss {}, eval loss {}", name,
                         o.final_train_loss ? fmt::format("{:.4f}", *o.final_train_loss) : "-",
                         o.final_eval_loss ? fmt::format("{:.4f}", *o.final_eval_loss) : "-");
    return fmt::format("run {} {}: {}", name, o.status, o.error.value_or(""));
  }

  [[noreturn]] void interrupt() {
    backend_.cancel_all();
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    std::vector<std::int64_t> ids;
    for (const auto& [id, a] : active_) ids.push_back(id);
    while (!active_.empty() && Clock::now() < deadline) {
      for (const TaskEnd& end : backend_.poll()) {
        if (auto it = active_.find(end.run_id); it != active_.end()) {
          ingest(it->second);
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
                    g_signal.load(), ids.size(), sweep_.name));
  }

  SweepProgress progress() {
    SweepProgress p;
    p.sweep = sweep_.name;
    double total_flops = 0, trained_flops = 0, remaining_flops = 0;
    for (const auto& [id, r] : runs_) {
      ++p.total;
      total_flops += r.flops;
      if (r.status == "done") ++p.done;
      if (r.status == "failed") ++p.failed;
      if (r.status == "diverged") ++p.diverged;
      if (r.status == "stopped") ++p.stopped;
      if (r.status == "pending") ++p.pending;
      if (r.status == "running") ++p.running;
      if (db::is_final_status(r.status)) {
        trained_flops += r.flops;
        continue;
      }
      double seen = 0;
      if (auto it = active_.find(id); it != active_.end() && it->second.latest) {
        const Active& a = it->second;
        seen = a.latest->tokens.value_or(static_cast<double>(a.latest->step) *
                                         static_cast<double>(a.task.spec.hp.batch_tokens));
        const double stop_tokens = r.tokens * a.task.spec.train_fraction();
        seen = std::min(seen, stop_tokens);
        trained_flops += training_flops_6nd(r.params, seen);
        remaining_flops += training_flops_6nd(r.params, stop_tokens - seen);
        p.runs.push_back({r.name, a.latest->step, a.task.spec.stop_steps, a.latest->train_loss,
                          a.latest->tokens_per_s});
      } else {
        remaining_flops += r.flops * o_.train_fraction;
      }
    }
    p.fraction = total_flops > 0 ? trained_flops / total_flops : 1.0;
    p.elapsed_s = std::chrono::duration<double>(Clock::now() - start_).count();
    if (!session_start_flops_) session_start_flops_ = trained_flops;
    const double session = trained_flops - *session_start_flops_;
    if (session > 0 && p.elapsed_s > 0) p.eta_s = remaining_flops / (session / p.elapsed_s);
    return p;
  }

  db::Database& db_;
  const db::SweepRecord& sweep_;
  DispatchBackend& backend_;
  const CoordinatorOptions& o_;
  ProgressView& view_;
  std::map<std::int64_t, db::RunRecord> runs_;
  std::deque<std::int64_t> pending_;
  std::map<std::int64_t, Active> active_;
  int launched_ = 0;
  Clock::time_point start_;
  std::optional<double> session_start_flops_;
};

}  // namespace

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
  SignalGuard signals;
  CoordinatorOptions absolute = options;
  absolute.runs_dir = fs::absolute(options.runs_dir).string();
  Coordinator c(db, sweep, backend, absolute, view);
  return c.run();
}

}  // namespace scalelab::sweeps
