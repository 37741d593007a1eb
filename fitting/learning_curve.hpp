// Learning-curve extrapolation for early stopping: from the first part of a run's training
// curve, predict its final loss with an interval.
//
//   power law:  L(t) = L_inf + A·t^(−α)                     (t = optimizer step)
//   LR-aware:   L(s) = L0 + A·S1(s)^(−α) − C·S2(s), C ≥ 0     (Tissue et al. 2024, "Scaling
//               Law with Learning Rate Annealing"), over the run's full planned schedule η:
//                 S1(s) = Σ_{i≤s} η_i                         (forward area)
//                 S2(s) = Σ_{i≤s} m_i,  m_i = λ·m_{i−1} + (η_{i−1} − η_i), m_0 = 0, η_0 = η_1
//               (the momentum-weighted annealing area; λ ≈ 0.999). S2 starts at the
//               schedule's peak: warmup's rising learning rate is not counted as annealing.
//
// Both are fitted like the scaling laws: summed Huber (δ = 1e-3) on log residuals, L-BFGS
// from a small start grid. The interval comes from a bootstrap over the curve's points; it
// treats points as independent, which they are not (noise in a curve is correlated), so it
// is narrower than the true uncertainty of an extrapolation: read it as a lower bound.
// The fitter knows nothing of the trainer: the schedule comes as a vector or a callable.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "fitting/prediction.hpp"

namespace scalelab::fitting {

struct CurvePoint {
  std::int64_t step = 0;  // optimizer step, 1-based (the loss after `step` updates)
  double loss = 0;
};

// The planned learning rate of every step 1..total_steps.
class LrSchedule {
 public:
  // lr[i] is the learning rate of step i + 1.
  explicit LrSchedule(std::vector<double> lr);
  // Samples `lr_at(step)` for step = 1..total_steps.
  static LrSchedule from_function(const std::function<double(std::int64_t)>& lr_at,
                                  std::int64_t total_steps);
  std::int64_t total_steps() const { return static_cast<std::int64_t>(lr_.size()); }
  double at(std::int64_t step) const { return lr_.at(static_cast<std::size_t>(step - 1)); }

  // S1 and S2 of Tissue et al. at every step 1..total_steps (index step − 1).
  void areas(double decay, std::vector<double>* s1, std::vector<double>* s2) const;

 private:
  std::vector<double> lr_;
};

struct LearningCurveOptions {
  double delta = kDefaultHuberDelta;
  double decay = 0.999;  // λ of S2 (Tissue et al. use 0.999)
  int bootstrap = 1000;  // resamples of the curve's points; 0: no interval
  std::uint64_t seed = 0;
  double level = 0.95;
  int threads = 0;  // 0: hardware concurrency
  LbfgsOptions lbfgs;
};

struct CurveFit {
  std::string model;               // "power-law" or "lr-aware"
  std::vector<std::string> names;  // L_inf, A, alpha | L0, A, alpha, C
  std::vector<double> values;
  double objective = 0;
  bool converged = false;
  std::string termination;
  std::int64_t final_step = 0;
  Estimate final_loss;  // predicted loss at final_step
  int bootstrap_failed = 0;
};

// Throws InputError for fewer than 4 points, non-positive steps or losses, or (LR-aware) a
// point beyond the schedule or a non-positive learning rate.
CurveFit extrapolate_power_law(const std::vector<CurvePoint>& partial, std::int64_t final_step,
                               const LearningCurveOptions& options = {});
CurveFit extrapolate_lr_aware(const std::vector<CurvePoint>& partial, const LrSchedule& schedule,
                              const LearningCurveOptions& options = {});

// The power-law model's loss L(s) = L_inf + A·s^(−alpha) at `step`, from its fitted values
// (CurveFit::values of extrapolate_power_law: L_inf, A, alpha); not for the LR-aware model.
double power_law_curve_loss(const std::vector<double>& values, double step);

}  // namespace scalelab::fitting
