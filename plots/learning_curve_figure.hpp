// Training curves of a sweep's runs against tokens and against FLOPs (Hoffmann et al. 2022,
// Figure 2), one colour per model size; on the FLOPs figure the lower envelope (Approach 1);
// for runs stopped early, the extrapolated remainder of the curve with its interval.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fitting/bootstrap.hpp"
#include "fitting/envelope.hpp"
#include "plots/figure.hpp"

namespace scalelab::plots {

// The predicted rest of a curve stopped early (learning-curve extrapolation): the fitted
// curve from the last observed point to the planned D, and the interval of the final loss
// (the extrapolation gives an interval at the final step only, so only that is drawn).
struct CurveExtrapolation {
  std::vector<double> tokens, loss;
  std::optional<fitting::Interval> final_interval;  // at tokens.back()
  std::string method;                               // e.g. "power law in steps"
};

struct LearningCurve {
  std::string label;  // e.g. "N = 12M"; empty: derived from params
  double params = 0;
  std::vector<double> tokens, loss;  // observed points, increasing tokens; C = 6·N·tokens
  std::optional<CurveExtrapolation> extrapolation;
};

struct LearningCurvesData {
  std::vector<LearningCurve> runs;
  std::optional<fitting::EnvelopeResult> envelope;
  std::string loss_name = "training loss";  // or "evaluation loss"
};

// Figures "learning_curves_tokens" and "learning_curves_flops".
std::vector<Figure> learning_curve_figures(const LearningCurvesData& data);

}  // namespace scalelab::plots
