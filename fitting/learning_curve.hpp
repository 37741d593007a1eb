// Learning-curve extrapolation for early stopping: from the first part of a run's training
// curve (and, optionally, the whole curves of runs that finished: references), predict its
// final loss with an interval.
//
// Three models, t the optimizer step and η_t the planned learning rate of step t:
//   power-law:    L(t) = L_inf + A·t^(−α)
//   lr-aware:     L(t) = L0 + A·S1(t)^(−α) − C·S2(t), C ≥ 0    (Tissue et al. 2024, "Scaling
//                 Law with Learning Rate Annealing"):
//                   S1(t) = Σ_{i≤t} η_i                         (forward area)
//                   S2(t) = Σ_{i≤t} m_i,  m_i = λ·m_{i−1} + (η_{i−1} − η_i), m = 0 up to
//                   the schedule's peak (λ = 0.999; warmup's rise is not annealing)
//   multi-power:  L(t) = L0 + A·S1(t)^(−α) − LD(t)               (Luo et al. 2025, "A
//                 Multi-Power Law for Loss Curve Prediction Across Learning Rate Schedules"):
//                   LD(t) = B·Σ_{k=p+1..t} (η_{k−1} − η_k)·G(η_k^(−γ)·S_k(t)),
//                   S_k(t) = Σ_{τ=k..t} η_τ,  G(x) = 1 − (C·x + 1)^(−β),  p the peak step
//                 (S1 includes warmup's area, the paper's S1 + S_W). The sum over k is taken
//                 over blocks of steps whose width grows with the distance t − k (5% of it):
//                 within 1e-4 of the exact sum (tests/fitting/test_learning_curve.cpp).
//
// Every fit minimises the summed Huber loss (δ = 1e-3) of log residuals with Ceres' L-BFGS
// from a grid of starts, like the scaling laws. With references the curves are fitted
// jointly: the parameters the target's short curve cannot identify are shared by every curve
// (`LearningCurveOptions::shared`, default per model: default_shared_parameters), the others
// belong to each curve. Learning rates enter in units of the target's peak learning rate
// (one unit for every curve of a joint fit, so a shared parameter means the same thing on
// curves with other peaks); reported values are converted back to the schedules' units.
//
// The interval (`bootstrap` > 0) is a moving-block bootstrap of the fit's residuals: each
// curve's log residuals are cut into contiguous blocks, resampled with replacement, added
// back to the fitted curve, and the fit is repeated; the interval is the percentile interval
// of the refits' final losses. Blocks keep the correlation of neighbouring steps' noise that
// a bootstrap over points destroys. It does not see a model that is wrong for the curve (the
// bias of an extrapolation): its measured coverage is in the README ("Early stopping").
// The fitter knows nothing of the trainer: schedules come as vectors or callables.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fitting/lbfgs_multistart.hpp"
#include "fitting/prediction.hpp"

namespace scalelab::fitting {

struct CurvePoint {
  std::int64_t step = 0;  // optimizer step, 1-based (the loss after `step` updates)
  double loss = 0;
};

// The planned learning rate of every step 1..total_steps.
class LrSchedule {
 public:
  // lr[i] is the learning rate of step i + 1. Throws InputError for no steps or a negative
  // or non-finite rate.
  explicit LrSchedule(std::vector<double> lr);
  // Samples `lr_at(step)` for step = 1..total_steps.
  static LrSchedule from_function(const std::function<double(std::int64_t)>& lr_at,
                                  std::int64_t total_steps);
  std::int64_t total_steps() const { return static_cast<std::int64_t>(lr_.size()); }
  double at(std::int64_t step) const { return lr_.at(static_cast<std::size_t>(step - 1)); }
  const std::vector<double>& rates() const { return lr_; }
  double peak() const;
  std::int64_t peak_step() const;  // the first step at the peak

  // S1 and S2 of Tissue et al. at every step 1..total_steps (index step − 1).
  void areas(double decay, std::vector<double>* s1, std::vector<double>* s2) const;

 private:
  std::vector<double> lr_;
};

enum class CurveModel { kPowerLaw, kLrAware, kMultiPower };
inline constexpr CurveModel kCurveModels[] = {CurveModel::kPowerLaw, CurveModel::kLrAware,
                                              CurveModel::kMultiPower};
std::string_view curve_model_name(CurveModel model);  // "power-law", "lr-aware", "multi-power"
// Throws InputError naming `what` and the accepted names.
CurveModel parse_curve_model(std::string_view text, std::string_view what = "--model");
// The model's parameters, in the order of CurveFit::values.
std::vector<std::string> curve_model_parameters(CurveModel model);
// The parameters shared with references by default, and why (measured on the project's
// runs: scripts/validate_extrapolation.sh; see the comment in learning_curve.cpp).
std::vector<std::string> default_shared_parameters(CurveModel model);

// One run's curve as a fit takes it.
struct CurveSeries {
  std::string name;                    // names the curve in messages
  std::vector<CurvePoint> points;      // the losses to fit (e.g. post-warmup, up to a fraction)
  std::int64_t total_steps = 0;        // the planned last step, where the final loss is predicted
  std::optional<LrSchedule> schedule;  // steps 1..total_steps; lr-aware and multi-power need it
};

struct LearningCurveOptions {
  double delta = kDefaultHuberDelta;
  double decay = 0.999;  // λ of S2 (Tissue et al. use 0.999)
  // Parameters fitted jointly with the references (names of curve_model_parameters); unset:
  // default_shared_parameters. Ignored without references.
  std::optional<std::vector<std::string>> shared;
  // lr-aware and multi-power: fit the offset S0 of the forward area (A·(S1 + S0)^(−α)), which
  // lets a curve start from a plateau; false: S0 = 0, the papers' forms.
  bool offset = true;
  // A curve with more points is averaged over this many contiguous bins of steps (the mean
  // loss at the bin's middle step): the fit's cost grows with the points, and one step's
  // train loss is noisy.
  int max_points = 64;
  int bootstrap = 200;  // block-bootstrap refits; 0: no interval
  // Points per block of the residual bootstrap; 0: max(3, n^(1/3)·2) for a curve of n points
  // (Künsch's n^(1/3) rate, doubled: the train loss' noise is correlated over a few steps).
  int block_length = 0;
  std::uint64_t seed = 0;
  double level = 0.95;
  int threads = 0;  // 0: hardware concurrency
  LbfgsOptions lbfgs;
};

struct CurveFit {
  std::string model;                // curve_model_name
  std::vector<std::string> names;   // the model's parameters
  std::vector<double> values;       // the target's, in the schedule's units
  std::vector<std::string> shared;  // parameters fitted jointly with the references
  int references = 0;
  double objective = 0;
  bool converged = false;
  std::string termination;
  std::int64_t final_step = 0;
  // Predicted loss at final_step; value NaN when the model gives no finite positive loss
  // there (check finite() before using it).
  Estimate final_loss;
  int bootstrap_failed = 0;  // refits without a finite positive prediction (left out)
  bool finite() const;
};

// Fits `model` to the target (and the references, jointly) and predicts the target's loss
// at its total_steps. Throws InputError for fewer than 4 points on any curve, a non-positive
// step or loss, a point past its curve's total_steps, a schedule missing (lr-aware,
// multi-power) or of another length than total_steps, a shared name the model does not
// have, or more than 8 references; Error when no start reaches a finite objective.
CurveFit fit_learning_curve(CurveModel model, const CurveSeries& target,
                            const std::vector<CurveSeries>& references,
                            const LearningCurveOptions& options = {});

// The fitted curve of `fit` at `step` of `schedule` (the target's; unused by the power law).
double curve_loss(const CurveFit& fit, const std::optional<LrSchedule>& schedule, std::int64_t step,
                  double decay = 0.999);

// The power law without references (study/ calls these until it reads the stored
// extrapolation): fit_learning_curve(kPowerLaw, {"", partial, final_step}) and its curve.
CurveFit extrapolate_power_law(const std::vector<CurvePoint>& partial, std::int64_t final_step,
                               const LearningCurveOptions& options = {});
// The power law's loss at `step` from its fitted values (L_inf, A, alpha).
double power_law_curve_loss(const std::vector<double>& values, double step);

}  // namespace scalelab::fitting
