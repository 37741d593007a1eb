// A scaling-law study of a set of runs, shared by `scalelab plot`, `scalelab report` and
// `scalelab demo`: every fit the data allows (Approach 3 with bootstrap intervals, IsoFLOP
// profiles, the lower envelope of training curves, L(C) through the IsoFLOP minima,
// learning-curve extrapolation of runs stopped early, hold-out validation), the prediction at a
// target budget, then the figures (plots/) and the HTML report. Fits come from fitting/,
// figures from plots/; this file only wires them. Where the data does not allow a fit, the
// study records why and goes on (unless that fit's figure was asked for by name).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fitting/envelope.hpp"
#include "fitting/fit_report.hpp"
#include "fitting/isoflop.hpp"
#include "fitting/learning_curve.hpp"
#include "fitting/validate.hpp"
#include "lib/observation.hpp"
#include "plots/gnuplot.hpp"
#include "plots/report.hpp"

namespace scalelab::study {

// A row of the report's run table (from a sweep in the database, or from the observations).
struct StudyRunRow {
  std::string name;
  std::string status;
  double params = 0, tokens = 0, flops = 0;
  std::optional<double> loss;
  std::optional<double> budget;  // the planned budget C of its IsoFLOP profile
};

struct StudyInput {
  std::string source;               // "FILE.csv" or "sweep NAME in DB", for titles
  std::vector<Observation> runs;    // one per finished run: the fits' input
  std::vector<Observation> curves;  // training-curve points (run_id and step set); may be empty
  // Planned D of runs stopped before it (run_key → tokens): their curves are extrapolated.
  std::map<std::string, double> planned_tokens;
  bool planned_budgets = false;        // IsoFLOP groups by exact budget (else log-spaced bins)
  nlohmann::json plan;                 // the sweep's plan options (plan_options_to_json), or null
  std::vector<StudyRunRow> run_table;  // empty: built from `runs`
  std::vector<std::string> commands;   // commands that reproduce the data and the report
};

// Splits observations as read from a CSV: rows with a step are curve points; per run (run_key)
// the point with the largest step is its final loss; rows without a step are runs.
StudyInput study_input_from_observations(const std::vector<Observation>& observations,
                                         const std::string& source);

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
  // The observed loss of a run trained at the target (the demo's check), if any.
  std::optional<double> target_observed;
  std::set<std::string> kinds;  // figure kinds to draw; empty: every kind the data allows
  bool validate = true;         // hold out the largest budget and predict it
};

struct Study {
  StudyInput input;
  StudyOptions options;
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
  std::map<std::string, fitting::CurveFit> extrapolations;  // run_key → fit of its curve
  std::vector<std::string> notes;                           // fits the data did not allow, and why
};

// Runs every fit. Throws InputError when the data allows none, or when a kind asked for by
// name needs a fit that failed.
Study run_study(StudyInput input, const StudyOptions& options);

// Draws the figures of `study` into `dir` (data, scripts, PNG and SVG). Kinds without the fits
// they need are skipped (noted in study.notes) unless asked for by name.
std::vector<plots::RenderedFigure> draw_study_figures(Study& study,
                                                      const std::filesystem::path& dir);

// The report's content.
plots::ReportData study_report(const Study& study,
                               const std::vector<plots::RenderedFigure>& figures);

// Prints the study's headline numbers (fits and the prediction) as plain lines.
void print_study_summary(std::ostream& out, const Study& study);

}  // namespace scalelab::study
