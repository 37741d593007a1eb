#include "db/run_status.hpp"

#include <fmt/format.h>

#include <ostream>

#include "lib/error.hpp"

namespace scalelab::db {

std::string_view run_status_name(RunStatus status) {
  switch (status) {
    case RunStatus::kPending:
      return "pending";
    case RunStatus::kRunning:
      return "running";
    case RunStatus::kDone:
      return "done";
    case RunStatus::kStopped:
      return "stopped";
    case RunStatus::kFailed:
      return "failed";
    case RunStatus::kDiverged:
      return "diverged";
  }
  return "?";
}

RunStatus parse_run_status(std::string_view name, std::string_view where) {
  std::string known;
  for (RunStatus s : kRunStatuses) {
    if (run_status_name(s) == name) return s;
    known += (known.empty() ? "" : ", ") + std::string(run_status_name(s));
  }
  throw Error(fmt::format("{}: unknown run status '{}' (known: {})", where, name, known));
}

std::ostream& operator<<(std::ostream& out, RunStatus status) {
  return out << run_status_name(status);
}

bool is_final(RunStatus status) {
  return status != RunStatus::kPending && status != RunStatus::kRunning;
}

bool is_legal_transition(RunStatus from, RunStatus to) {
  switch (from) {
    case RunStatus::kPending:
      return to == RunStatus::kRunning;
    case RunStatus::kRunning:
      return to == RunStatus::kPending || is_final(to);
    default:
      return false;  // final
  }
}

std::int64_t RunStatusCounts::total() const {
  std::int64_t n = 0;
  for (std::int64_t c : counts_) n += c;
  return n;
}

std::int64_t RunStatusCounts::finished() const {
  std::int64_t n = 0;
  for (RunStatus s : kRunStatuses)
    if (is_final(s)) n += (*this)[s];
  return n;
}

std::string RunStatusCounts::summary() const {
  using S = RunStatus;
  std::string out = fmt::format("{} done, {} failed, {} diverged, {} stopped, {} pending",
                                (*this)[S::kDone], (*this)[S::kFailed], (*this)[S::kDiverged],
                                (*this)[S::kStopped], (*this)[S::kPending]);
  if ((*this)[S::kRunning] > 0) out += fmt::format(", {} running", (*this)[S::kRunning]);
  return out;
}

}  // namespace scalelab::db
