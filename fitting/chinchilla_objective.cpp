#include "fitting/chinchilla_objective.hpp"

#include <algorithm>
#include <cmath>

#include "fitting/chinchilla_kernel.hpp"
#include "fitting/huber.hpp"

namespace scalelab::fitting {

ChinchillaObjective::ChinchillaObjective(const std::vector<LawPoint>& points, double delta)
    : delta_(delta), kernel_(best_chinchilla_kernel()) {
  for (const auto& p : points) {
    log_n_.push_back(p.log_n);
    log_d_.push_back(p.log_d);
    log_loss_.push_back(p.log_loss);
  }
}

double chinchilla_log_loss(const double* x, double log_n, double log_d) {
  const double u1 = x[kA] - x[kAlpha] * log_n;
  const double u2 = x[kB] - x[kBeta] * log_d;
  const double u3 = x[kE];
  const double m = std::max({u1, u2, u3});
  return m + std::log(std::exp(u1 - m) + std::exp(u2 - m) + std::exp(u3 - m));
}

bool ChinchillaObjective::Evaluate(const double* x, double* cost, double* gradient) const {
  // Fast path: exp(e) is shared by every run, so each run costs two exp and one log. The
  // terms are summed without the max-shift of a stable log-sum-exp; when that overflows or
  // underflows (|exponents| > ~700, far from any sensible law) the stable path takes over.
  if (evaluate_fast(x, cost, gradient)) return true;
  return evaluate_stable(x, cost, gradient);
}

bool ChinchillaObjective::evaluate_fast(const double* x, double* cost, double* gradient) const {
  const double big_e = std::exp(x[kE]);
  ChinchillaSums s;
  if (!kernel_(log_n_.data(), log_d_.data(), log_loss_.data(), log_n_.size(), x, big_e, delta_,
               gradient != nullptr, &s))
    return false;
  *cost = s.f;
  if (gradient) {
    gradient[kA] = s.ga;
    gradient[kB] = s.gb;
    gradient[kE] = s.ge * big_e;
    gradient[kAlpha] = s.galpha;
    gradient[kBeta] = s.gbeta;
  }
  return true;
}

bool ChinchillaObjective::evaluate_stable(const double* x, double* cost, double* gradient) const {
  const double a = x[kA], b = x[kB], e = x[kE], alpha = x[kAlpha], beta = x[kBeta];
  const std::size_t n = log_n_.size();
  double f = 0, ga = 0, gb = 0, ge = 0, galpha = 0, gbeta = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double u1 = a - alpha * log_n_[i];
    const double u2 = b - beta * log_d_[i];
    const double m = std::max({u1, u2, e});
    const double w1 = std::exp(u1 - m), w2 = std::exp(u2 - m), w3 = std::exp(e - m);
    const double s = w1 + w2 + w3;
    const double r = m + std::log(s) - log_loss_[i];
    f += huber(r, delta_);
    const double h = huber_derivative(r, delta_) / s;
    ga += h * w1;
    gb += h * w2;
    ge += h * w3;
    galpha -= h * w1 * log_n_[i];
    gbeta -= h * w2 * log_d_[i];
  }
  *cost = f;
  if (gradient) {
    gradient[kA] = ga;
    gradient[kB] = gb;
    gradient[kE] = ge;
    gradient[kAlpha] = galpha;
    gradient[kBeta] = gbeta;
  }
  return std::isfinite(f);
}

}  // namespace scalelab::fitting
