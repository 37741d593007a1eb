// The three learning-curve models of fitting/learning_curve.hpp as the fit evaluates them:
// what each point's loss depends on (its Sample, computed once from the schedule) and the log
// loss as a function of the model's fitted coordinates z, templated for ceres::Jet.
// Internal to fitting/learning_curve*.cpp.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "fitting/learning_curve.hpp"

namespace scalelab::fitting::curve_models {

// One block of the multi-power law's sum over k (learning_curve.hpp): the summed drop of
// the learning rate over its steps (w, in units of the fit's learning-rate unit), and the
// drop-weighted means of log η_k and of S_k(t). s < 0 marks steps at η_k = 0, where
// G(η_k^(−γ)·S_k(t)) = G(∞) = 1.
struct LdBlock {
  double w = 0, log_eta = 0, s = 0;
};

// What one point's predicted loss depends on.
struct Sample {
  double log_t = 0;  // power law: log step
  double s1 = 0;     // lr-aware, multi-power: S1 (learning-rate units x steps)
  double s2 = 0;     // lr-aware: S2
  std::size_t block_begin = 0, block_end = 0;  // multi-power: its blocks in the curve's list
};

// The features of every step of one schedule, in units of `unit` (a learning rate).
class ScheduleFeatures {
 public:
  ScheduleFeatures(const LrSchedule& schedule, double unit, double decay);
  // The sample of `step` (1..total); multi-power blocks are appended to `blocks`.
  Sample sample(std::int64_t step, bool with_blocks, std::vector<LdBlock>* blocks) const;

 private:
  std::vector<double> eta_, s1_, s2_, prefix_;  // per step (index step − 1); prefix: Σ η
  std::int64_t peak_step_ = 1;
};

// Relative width of the multi-power blocks: a block starting d steps before t spans
// max(1, kBlockWidth·d) steps.
inline constexpr double kBlockWidth = 0.05;

// z = (log L_inf, log A, α): log L = LSE(log L_inf, log A − α log t).
struct PowerLaw {
  static constexpr int kParams = 3;
  template <typename T>
  static T log_loss(const T* z, const Sample& p, const LdBlock*) {
    using std::exp;
    using std::log;
    const T u = z[1] - z[2] * T(p.log_t);
    return z[0] > u ? z[0] + log(T(1.0) + exp(u - z[0])) : u + log(T(1.0) + exp(z[0] - u));
  }
};

// z = (log L0, log A, α, log S0, log C): L = L0 + A·(S1 + S0)^(−α) − C·S2, NaN where it is
// not positive.
// C ≥ 0: annealing lowers the loss (Tissue et al.). With C free, the first 20-60% of the
// project's cosine runs fitted C < 0 with L0 → 0, the negative annealing term bending the
// curve up where L0 should flatten it (+184% and +556% errors from 20% of two runs).
struct LrAware {
  static constexpr int kParams = 5;
  template <typename T>
  static T log_loss(const T* z, const Sample& p, const LdBlock*) {
    using std::exp;
    using std::log;
    const T l = exp(z[0]) + exp(z[1] - z[2] * log(T(p.s1) + exp(z[3]))) - exp(z[4]) * T(p.s2);
    if (!(l > T(0.0))) return T(std::nan(""));
    return log(l);
  }
};

// A value in (lo, hi) from an unbounded coordinate.
template <typename T>
T logistic(const T& z, double lo, double hi) {
  using std::exp;
  return T(lo) + T(hi - lo) / (T(1.0) + exp(-z));
}

// z = (log L0, log A, α, log S0, log B, log C, β', γ'): L = L0 + A·(S1 + S0)^(−α) − LD, with
// β = logistic(β') in (kBetaLo, kBetaHi) and γ = logistic(γ') in (0, 1). Unbounded, the fits
// to one cosine or WSD curve ran to β = 1e15, γ = −353 (G a step: the loss drops as soon as
// the learning rate does), which transfers to no other schedule; Luo et al. fit β and γ near
// 0.4-0.6.
inline constexpr double kBetaLo = 0.05, kBetaHi = 5.0, kGammaLo = 0.0, kGammaHi = 1.0;
struct MultiPower {
  static constexpr int kParams = 8;
  template <typename T>
  static T log_loss(const T* z, const Sample& p, const LdBlock* blocks) {
    using std::exp;
    using std::log;
    const T c = exp(z[5]), beta = logistic(z[6], kBetaLo, kBetaHi);
    const T gamma = logistic(z[7], kGammaLo, kGammaHi);
    T ld(0.0);
    for (std::size_t b = p.block_begin; b < p.block_end; ++b) {
      const LdBlock& k = blocks[b];
      if (k.s < 0) {
        ld += T(k.w);
        continue;
      }
      const T x = exp(-gamma * T(k.log_eta)) * T(k.s);
      ld += T(k.w) * (T(1.0) - exp(-beta * log(T(1.0) + c * x)));
    }
    const T l = exp(z[0]) + exp(z[1] - z[2] * log(T(p.s1) + exp(z[3]))) - exp(z[4]) * ld;
    if (!(l > T(0.0))) return T(std::nan(""));
    return log(l);
  }
};

}  // namespace scalelab::fitting::curve_models
