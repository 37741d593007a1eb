// Loss against training compute: every run (coloured by N), the best loss per budget, and
// fitted L(C) curves with their bootstrap bands, extended to a requested budget where the
// prediction (and, once trained, the observed loss) is marked.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fitting/law.hpp"
#include "fitting/prediction.hpp"
#include "plots/figure.hpp"

namespace scalelab::plots {

struct LossCurve {
  std::string label;
  std::string short_label;  // names its band in the legend
  std::string color;        // "#rrggbb"
  std::vector<double> flops;
  std::vector<fitting::Estimate> loss;  // intervals optional
};

struct LossComputeData {
  std::vector<double> flops, loss, params;            // every run
  std::vector<double> frontier_flops, frontier_loss;  // best loss per budget (IsoFLOP minima)
  std::vector<LossCurve> curves;
  std::optional<double> target_flops;  // the requested budget
  std::optional<fitting::Estimate> target_prediction;
  std::optional<double> target_observed;  // loss of the run trained at the target
  double level = 0.95;
};

// A law's loss at each budget over [c_min, c_max] (fitting::predict_loss_at_budget: the
// compute-optimal L(N_opt(C), D_opt(C)) of a law of N and D, L(C) of power-c), with
// intervals from the bootstrap samples (may be empty).
LossCurve loss_at_budget_curve(const std::string& label, const std::string& color,
                               const fitting::LawSpec& law, const std::vector<double>& x,
                               const std::vector<std::vector<double>>& samples, double level,
                               double c_min, double c_max, int points = 50);

// The two names apps/study.cpp still calls; both are loss_at_budget_curve (to go when the
// study moves to study/).
inline LossCurve optimal_loss_curve(const std::string& label, const std::string& color,
                                    const fitting::LawSpec& law, const std::vector<double>& x,
                                    const std::vector<std::vector<double>>& samples, double level,
                                    double c_min, double c_max, int points = 50) {
  return loss_at_budget_curve(label, color, law, x, samples, level, c_min, c_max, points);
}
inline LossCurve compute_law_curve(const std::string& label, const std::string& color,
                                   const fitting::LawSpec& law, const std::vector<double>& x,
                                   const std::vector<std::vector<double>>& samples, double level,
                                   double c_min, double c_max, int points = 50) {
  return loss_at_budget_curve(label, color, law, x, samples, level, c_min, c_max, points);
}

// Figure "loss_vs_compute".
Figure loss_compute_figure(const LossComputeData& data);

}  // namespace scalelab::plots
