// The status of a run, and the one place where its transitions are defined.
//
//   pending ──claim──▶ running ──finish──▶ done | stopped | failed | diverged
//      ▲                  │
//      └────requeue───────┘   (a crash that will be retried, or an interrupted coordinator)
//
//   pending   waiting to be launched (again: a requeued run resumes from its checkpoint)
//   running   claimed by a coordinator; its worker may or may not be alive
//   done      trained to the end of its planned schedule
//   stopped   stopped early by design (early-stop mode, `sweep run --train-fraction`): its
//             curve up to the stop is stored, with the worker's extrapolated final loss as a
//             prediction of kind "extrapolation"
//   failed    rejected (bad config or data), or crashed more often than --retries allows
//   diverged  a NaN/inf or a loss spike (sweeps/divergence.hpp); never retried
// The last four are final: a run never leaves them.
#pragma once

#include <array>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>

namespace scalelab::db {

enum class RunStatus { kPending, kRunning, kDone, kStopped, kFailed, kDiverged };

inline constexpr std::array<RunStatus, 6> kRunStatuses = {
    RunStatus::kPending, RunStatus::kRunning, RunStatus::kDone,
    RunStatus::kStopped, RunStatus::kFailed,  RunStatus::kDiverged};

// "pending", "running", "done", "stopped", "failed", "diverged": the database's spelling.
std::string_view run_status_name(RunStatus status);
// Throws Error "`where`: unknown run status 'x' (known: pending, ...)".
RunStatus parse_run_status(std::string_view name, std::string_view where);
std::ostream& operator<<(std::ostream& out, RunStatus status);

// done, stopped, failed, diverged.
bool is_final(RunStatus status);
// The arrows above: pending → running, running → pending, running → a final status.
bool is_legal_transition(RunStatus from, RunStatus to);

// Runs counted by status.
class RunStatusCounts {
 public:
  void add(RunStatus status) { ++counts_[static_cast<std::size_t>(status)]; }
  std::int64_t operator[](RunStatus status) const {
    return counts_[static_cast<std::size_t>(status)];
  }
  std::int64_t total() const;
  std::int64_t unfinished() const { return total() - finished(); }
  std::int64_t finished() const;
  // "8 done, 0 failed, 1 diverged, 0 stopped, 0 pending" (and ", N running" when some are).
  std::string summary() const;

 private:
  std::array<std::int64_t, kRunStatuses.size()> counts_{};
};

}  // namespace scalelab::db
