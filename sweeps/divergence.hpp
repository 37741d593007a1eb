// Divergence: the one rule, for every trainer a sweep runs.
//
// A run diverges when its training numbers stop being numbers or blow up; it will not recover
// on its own, so it is stopped as `diverged` (never retried), with the reason and the step.
// Two parts, each decided in one place:
//
//  1. Non-finite (NaN/inf) loss or gradient norm: the TRAINER decides, where the number is
//     made. The embedded trainer stops at that step (trainer/train.cpp: TrainResult status
//     "diverged"); its worker writes RUN_DIR/diverged.json {"step", "reason"} and exits with
//     kWorkerExitDiverged (sweeps/dispatch.hpp). A user's trainer (command backend) reports it
//     by logging the non-finite loss in metrics.jsonl (NaN, Infinity, null... see
//     metrics_jsonl.hpp); the detector below reads that as the trainer's verdict.
//  2. A loss spike: SWEEPS decide (DivergenceDetector, below): `patience` consecutive
//     training losses each above spike_ratio x the lowest training loss of the EARLIER steps
//     of the run's curve. One hard batch is not a divergence: with batches of a few sequences
//     a single step's loss scatters widely (measured on the demo's corpus at 192-token
//     batches: one batch at 2.37 x the run's best, the steps around it at 1.2-1.5 x), while a
//     run that blew up stays up.
//
// The curve is the run's rows by step, the latest row of a step winning: a run resumed from a
// checkpoint re-logs the steps after it, and its worker rewrites metrics.jsonl to the steps
// before it, so the rows of one run reach the detector out of step order (the database's rows
// of an earlier attempt, then the file again from step 1). Each row is judged against the
// steps before its own, never against a later step of an earlier attempt (issue 16).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/metrics_store.hpp"

namespace scalelab::sweeps {

struct DivergenceOptions {
  // A training loss above spike_ratio × the lowest training loss of the earlier steps is a
  // spike. 2 is far outside step-to-step noise of a healthy run (a few percent once past
  // warmup) and well inside what a blown-up run shows (losses jump to ln(vocab) or beyond).
  double spike_ratio = 2.0;
  // Spikes are ignored for the first min_steps steps (losses move fastest there).
  std::int64_t min_steps = 10;
  // A divergence needs this many consecutive logged training losses above the ratio (the
  // first of them is the step reported). 1 judges every step alone.
  std::int64_t patience = 3;
};

struct Divergence {
  std::int64_t step = 0;
  std::string reason;  // "train_loss is nan at step 12", "train_loss 9.1 at step 40 is above..."
};

// Follows one run's curve. Rows may come in any order and more than once: a row equal to the
// one already held for its step changes nothing; a different row for a step replaces it and
// forgets the later steps (the attempt that logged them was replaced; they come again).
class DivergenceDetector {
 public:
  explicit DivergenceDetector(DivergenceOptions options = {}) : options_(options) {}
  // Returns the first divergence seen (and keeps returning it).
  std::optional<Divergence> feed(const db::MetricRow& row);
  const std::optional<Divergence>& divergence() const { return divergence_; }

 private:
  struct Point {
    std::int64_t step;
    double loss;
    double best;  // the lowest loss of the curve up to and including this step
    std::int64_t spikes;       // consecutive spike rows ending at this step (0: not a spike)
    std::int64_t first_spike;  // the step where those spikes began
    double first_loss;         // and its loss
  };
  DivergenceOptions options_;
  std::vector<Point> curve_;  // by step
  std::optional<Divergence> divergence_;
};

}  // namespace scalelab::sweeps
