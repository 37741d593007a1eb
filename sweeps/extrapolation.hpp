// The one extrapolation policy of early stopping: which points of a run are fitted (after
// warmup, up to a fraction of the planned steps), which points of the references (after
// warmup, all of them), every model of fitting/learning_curve.hpp over the run's planned
// schedule, the observed final loss of a finished run to compare with, and which model's
// prediction is recommended. `scalelab extrapolate`, the sweep's early-stop mode
// (sweeps/early_stop.hpp) and `scalelab validate` all go through extrapolate_curve.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fitting/learning_curve.hpp"
#include "sweeps/curve_source.hpp"

namespace scalelab::sweeps {

struct ExtrapolationOptions {
  std::string loss = "train";  // the curve fitted and compared: "train" or "eval"
  // The models fitted (every one when empty); the recommendation is made among them.
  std::vector<fitting::CurveModel> models;
  fitting::LearningCurveOptions fit;
  // The fit window starts after warmup, or after this fraction of the planned steps if later
  // (for the target and each reference alike).
  double fit_from = 0;
};

// One model's prediction of a run's final loss from one fraction of its curve.
struct Extrapolation {
  fitting::CurveModel model = fitting::CurveModel::kPowerLaw;
  double fraction = 1;                 // of the planned steps: the points fitted are at or before
  std::int64_t fit_steps = 0;          // floor(fraction x total_steps)
  std::size_t points = 0;              // post-warmup points fitted (before binning)
  std::int64_t final_step = 0;         // the planned last step
  std::optional<double> final_tokens;  // final_step x tokens per step, when known
  fitting::CurveFit fit;
  std::optional<double> predicted, predicted_lo, predicted_hi;  // finite positive only
  std::optional<double> observed;        // a finished run's final loss (final_loss)
  std::optional<double> relative_error;  // (predicted − observed) / observed
  std::vector<std::string> references;   // their names, as fitted (empty: none)
  bool recommended = false;
};

// The recommendation rule, measured on scripts/validate_extrapolation.sh's runs (see
// extrapolation.cpp): the first model in this order, among those fitted, with a finite
// prediction.
std::vector<fitting::CurveModel> recommendation_order(bool with_references);

// Every model's prediction (options.models) of `target`'s final loss from its points up to
// `fraction` of its planned steps (every logged point when unset), fitted jointly with the
// references' post-warmup curves. Throws InputError for a fraction outside (0, 1], fewer than
// 4 post-warmup points in the window or on a reference, or the fit's input errors.
std::vector<Extrapolation> extrapolate_curve(const CurveSource& target,
                                             std::optional<double> fraction,
                                             const std::vector<CurveSource>& references,
                                             const ExtrapolationOptions& options);

// The recommended row of one call's rows, if any has a finite prediction.
const Extrapolation* recommended(const std::vector<Extrapolation>& rows);

}  // namespace scalelab::sweeps
