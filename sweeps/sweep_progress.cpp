#include "sweeps/sweep_progress.hpp"

#include <algorithm>

#include "lib/compute.hpp"

namespace scalelab::sweeps {

ProgressTracker::ProgressTracker(std::string sweep, double train_fraction)
    : sweep_(std::move(sweep)),
      train_fraction_(train_fraction),
      start_(std::chrono::steady_clock::now()) {}

SweepProgress ProgressTracker::update(const std::map<std::int64_t, db::RunRecord>& runs,
                                      const std::map<std::int64_t, RunMonitor>& active) {
  using db::RunStatus;
  SweepProgress p;
  p.sweep = sweep_;
  db::RunStatusCounts counts;
  double total_flops = 0, trained_flops = 0, remaining_flops = 0;
  for (const auto& [id, r] : runs) {
    counts.add(r.status);
    total_flops += r.flops;
    if (db::is_final(r.status)) {
      trained_flops += r.flops;
      continue;
    }
    const auto it = active.find(id);
    if (it != active.end() && it->second.latest()) {
      const RunMonitor& m = it->second;
      const db::MetricRow& latest = *m.latest();
      const RunSpec& spec = m.task().spec;
      double seen = latest.tokens.value_or(static_cast<double>(latest.step) *
                                           static_cast<double>(spec.hp.batch_tokens));
      const double stop_tokens = r.tokens * spec.train_fraction();
      seen = std::min(seen, stop_tokens);
      trained_flops += training_flops_6nd(r.params, seen);
      remaining_flops += training_flops_6nd(r.params, stop_tokens - seen);
      p.runs.push_back(
          {r.name, latest.step, spec.stop_steps, latest.train_loss, latest.tokens_per_s});
    } else {
      remaining_flops += r.flops * train_fraction_;
    }
  }
  p.total = static_cast<int>(counts.total());
  p.done = static_cast<int>(counts[RunStatus::kDone]);
  p.failed = static_cast<int>(counts[RunStatus::kFailed]);
  p.diverged = static_cast<int>(counts[RunStatus::kDiverged]);
  p.stopped = static_cast<int>(counts[RunStatus::kStopped]);
  p.pending = static_cast<int>(counts[RunStatus::kPending]);
  p.running = static_cast<int>(counts[RunStatus::kRunning]);
  p.fraction = total_flops > 0 ? trained_flops / total_flops : 1.0;
  p.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (!session_start_flops_) session_start_flops_ = trained_flops;
  const double session = trained_flops - *session_start_flops_;
  if (session > 0 && p.elapsed_s > 0) p.eta_s = remaining_flops / (session / p.elapsed_s);
  return p;
}

}  // namespace scalelab::sweeps
