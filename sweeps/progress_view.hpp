// What a running sweep shows: on a terminal a live block (overall progress and ETA; per
// running run its step, loss and tokens/s) redrawn in place; when piped, plain lines: one per
// event and a progress line every `plain_interval_s`.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace scalelab::sweeps {

struct RunningRun {
  std::string name;
  std::int64_t step = 0;
  std::int64_t total_steps = 0;
  std::optional<double> train_loss;
  std::optional<double> tokens_per_s;
};

struct SweepProgress {
  std::string sweep;
  int total = 0, done = 0, failed = 0, diverged = 0, stopped = 0, running = 0, pending = 0;
  double fraction = 0;  // of the sweep's FLOPs trained (done runs count whole)
  double elapsed_s = 0;
  std::optional<double> eta_s;  // from this session's FLOP rate; none before any progress
  std::vector<RunningRun> runs;
};

class ProgressView {
 public:
  virtual ~ProgressView() = default;
  // A one-line event ("run c1e+11-n3.1e+04 done: train loss 3.12").
  virtual void event(const std::string& line) = 0;
  virtual void update(const SweepProgress& progress) = 0;
  // Leaves the terminal clean (the last block stays, followed by a newline).
  virtual void finish() = 0;
};

// `terminal`: redraw in place with ANSI escapes; else plain lines.
std::unique_ptr<ProgressView> make_progress_view(std::ostream& out, bool terminal,
                                                 double plain_interval_s = 10.0);
// A view that prints nothing (tests, --quiet).
std::unique_ptr<ProgressView> make_silent_progress_view();

// "1h02m", "3m05s", "12s".
std::string format_duration(double seconds);

}  // namespace scalelab::sweeps
