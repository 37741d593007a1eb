// Divergence: a run whose loss is NaN/inf, or spikes far above the best it reached, will not
// recover on its own and is stopped as `diverged` (not retried), with the reason and step.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "db/metrics_store.hpp"

namespace scalelab::sweeps {

struct DivergenceOptions {
  // A training loss above spike_ratio × the lowest training loss so far is a spike.
  // 2 is far outside step-to-step noise of a healthy run (a few percent once past warmup)
  // and well inside what a blown-up run shows (losses jump to ln(vocab) or beyond).
  double spike_ratio = 2.0;
  // Spikes are ignored for the first min_steps steps (losses move fastest there).
  std::int64_t min_steps = 10;
};

struct Divergence {
  std::int64_t step = 0;
  std::string reason;  // "train_loss is nan at step 12", "train_loss 9.1 > 2 × best 3.2 ..."
};

// Fed the rows of one run in step order (re-feeding earlier steps is harmless).
class DivergenceDetector {
 public:
  explicit DivergenceDetector(DivergenceOptions options = {}) : options_(options) {}
  // Returns the first divergence seen (and keeps returning it).
  std::optional<Divergence> feed(const db::MetricRow& row);
  const std::optional<Divergence>& divergence() const { return divergence_; }

 private:
  DivergenceOptions options_;
  std::optional<double> best_;
  std::optional<Divergence> divergence_;
};

}  // namespace scalelab::sweeps
