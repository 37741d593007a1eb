// The progress of a running sweep for its view (progress_view.hpp): runs counted by status,
// the fraction of the sweep's FLOPs trained and an ETA from this session's FLOP rate.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "db/sweep_store.hpp"
#include "sweeps/progress_view.hpp"
#include "sweeps/run_monitor.hpp"

namespace scalelab::sweeps {

class ProgressTracker {
 public:
  // `train_fraction`: early-stop mode's share of each run that is trained.
  ProgressTracker(std::string sweep, double train_fraction);
  SweepProgress update(const std::map<std::int64_t, db::RunRecord>& runs,
                       const std::map<std::int64_t, RunMonitor>& active);

 private:
  std::string sweep_;
  double train_fraction_;
  std::chrono::steady_clock::time_point start_;
  std::optional<double> session_start_flops_;
};

}  // namespace scalelab::sweeps
