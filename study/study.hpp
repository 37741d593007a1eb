// A scaling-law study of a set of runs, shared by `scalelab plot`, `scalelab report`, `scalelab
// fit SWEEP` and `scalelab demo`: every fit the data allows (Approach 3 with bootstrap
// intervals, IsoFLOP profiles, the lower envelope of training curves, L(C) through the IsoFLOP
// minima, hold-out validation) on the numbers a RunSet (study/run_set.hpp) says each run
// contributes, and the prediction at a target budget. Where the data does not allow a fit, the
// study records why and goes on (unless that fit's figure was asked for by name).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fitting/envelope.hpp"
#include "fitting/fit_report.hpp"
#include "fitting/isoflop.hpp"
#include "fitting/prediction.hpp"
#include "fitting/validate.hpp"
#include "lib/observation.hpp"
#include "study/run_set.hpp"

namespace scalelab::study {

// Figure kinds, as `--kind` names them.
inline const std::vector<std::string> kFigureKinds = {"isoflop", "frontier", "parity", "curves",
                                                      "loss-compute"};

struct StudyOptions {
  int bootstrap = 1000;        // resamples for every interval; 0: point estimates only
  std::uint64_t seed = 0;      // bootstrap seed
  double level = 0.95;         // interval level
  int drop_highest = 0;        // Approach 3 and L(C): drop the K highest losses first
  double bins_per_decade = 4;  // IsoFLOP compute bins for unplanned data
  int threads = 0;             // 0: all cores
  // Budget at which to predict the compute-optimal loss and N_opt, D_opt; unset: 10× the
  // largest C of the data.
  std::optional<double> target_budget;
  // The N the fits take; unset: the one the sweep's plan allocated with, else total.
  std::optional<ParamCount> param_count;
  std::set<std::string> kinds;  // figure kinds to draw; empty: every kind the data allows
  bool validate = true;         // hold out the largest budget and predict it
};

// A run trained after the study at the study's predicted (N, D), against its prediction: the
// one definition of "predicted against observed" that the report and the demo print.
struct TargetCheck {
  std::string run;                // its name
  double params = 0, tokens = 0;  // N (under the study's count) and D it trained
  double flops = 0;               // its C
  std::string method;             // the law that predicted it ("Approach 3", ...)
  fitting::Estimate predicted;    // the loss predicted at that (N, D)
  double observed = 0;            // its loss (the kind the fits take)
  double relative_error = 0;      // (predicted − observed) / observed
  bool inside = false;            // observed within the predicted interval
};

struct Study {
  RunSet runs;
  StudyOptions options;
  ParamCount param_count = ParamCount::kTotal;  // the N of every fit
  std::vector<Observation> observations;        // what the fits take: one per fitted run
  std::vector<Observation> curves;              // training-curve points (may be empty)
  double target_budget = 0;
  std::optional<fitting::ParametricOutcome> chinchilla;  // Approach 3
  fitting::FitRequest chinchilla_request;
  std::optional<fitting::AllocationPrediction> target;  // from Approach 3 at target_budget
  std::optional<fitting::IsoflopResult> isoflop;        // Approach 2
  fitting::IsoflopOptions isoflop_options;
  std::optional<fitting::EnvelopeResult> envelope;         // Approach 1 (curves only)
  std::optional<fitting::ParametricOutcome> loss_compute;  // power-c through the IsoFLOP minima
  fitting::FitRequest loss_compute_request;
  std::optional<fitting::Estimate> loss_compute_target;  // L(C) at target_budget
  std::optional<fitting::ValidationResult> validation;
  std::optional<TargetCheck> target_check;  // set by check_target
  std::string target_problem;      // set where no law could predict the target (prediction_problem)
  std::vector<std::string> notes;  // fits the data did not allow, and why
  std::vector<std::string> commands;  // commands that reproduce the data and the report
};

// Runs every fit. Throws InputError when the data allows none, or when a kind asked for by
// name cannot be drawn for want of its fit.
Study run_study(RunSet runs, const StudyOptions& options);

// Why Approach 3 cannot be used to allocate or predict: missing, degenerate (the verdict of
// fitting/degeneracy.hpp, with its reason: the one definition), or no positive allocation at
// the target budget. Empty when it can.
std::string approach3_problem(const Study& study);

// Why no law can predict a run's loss: Approach 3 cannot be used (approach3_problem) and
// there is no L(C) fit. Empty when check_target can predict.
std::string prediction_problem(const Study& study);

// Predicted against observed for `run`, trained after the study: Approach 3's loss at the
// run's own (N, D) with the bootstrap interval; where Approach 3 cannot be used, L(C) through
// the IsoFLOP minima at the run's C (method says which). Throws InputError when neither exists
// or is sound, or the run has no fitted loss.
TargetCheck check_target(const Study& study, const StudyRun& run);

}  // namespace scalelab::study
