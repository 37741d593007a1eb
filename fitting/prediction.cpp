#include "fitting/prediction.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>

#include "lib/compute.hpp"
#include "lib/error.hpp"
#include "lib/output.hpp"

namespace scalelab::fitting {

namespace {

void check_positive(double v, const char* what) {
  if (!(std::isfinite(v) && v > 0))
    throw InputError(fmt::format("{} must be finite and positive, got {}", what, v));
}

// A point prediction feeds an allocation, a plan, a report: checked finite where it is made.
void check_finite(double v, const char* what, const std::string& where) {
  if (!std::isfinite(v))
    throw InputError(
        fmt::format("the fitted law gives a non-finite {} {}: its parameters "
                    "cannot be used there",
                    what, where));
}

Estimate estimate(double value, const std::vector<double>& draws, double level) {
  Estimate e{value, std::nullopt};
  if (!draws.empty()) e.interval = percentile_interval(draws, level);
  return e;
}

}  // namespace

LossPrediction predict_loss(const LawSpec& law, const std::vector<double>& x,
                            const std::vector<std::vector<double>>& samples, double level, double n,
                            double d, double unique_tokens) {
  check_positive(n, "--params");
  check_positive(d, "--tokens");
  if (unique_tokens < 0 || unique_tokens > d)
    throw InputError(fmt::format("unique tokens must lie in [0, D], got {}", unique_tokens));
  const LawPoint p = make_point(n, d, training_flops_6nd(n, d), 1.0, unique_tokens);
  const double loss = law.predict(x, p);
  check_finite(loss, "loss",
               fmt::format("at N = {}, D = {}", format_general(n, 4), format_general(d, 4)));
  std::vector<double> draws;
  for (const auto& s : samples) draws.push_back(law.predict(s, p));
  return {estimate(loss, draws, level)};
}

AllocationPrediction predict_allocation(const LawSpec& law, const std::vector<double>& x,
                                        const std::vector<std::vector<double>>& samples,
                                        double level, double c) {
  check_positive(c, "--budget");
  auto one = [&](const std::vector<double>& params) {
    const Allocation a = optimal_allocation(law, params, c);
    return std::array<double, 4>{a.params, a.tokens, a.tokens_per_param(),
                                 law.predict(params, make_point(a.params, a.tokens, c))};
  };
  const auto point = one(x);
  const char* names[] = {"N_opt", "D_opt", "D_opt/N_opt", "loss"};
  for (int k = 0; k < 4; ++k)
    check_finite(point[k], names[k], fmt::format("at C = {}", format_general(c, 4)));
  std::array<std::vector<double>, 4> draws;
  for (const auto& s : samples) {
    const auto v = one(s);
    for (int k = 0; k < 4; ++k) draws[k].push_back(v[k]);
  }
  return {estimate(point[0], draws[0], level), estimate(point[1], draws[1], level),
          estimate(point[2], draws[2], level), estimate(point[3], draws[3], level)};
}

LossPrediction predict_loss_at_budget(const LawSpec& law, const std::vector<double>& x,
                                      const std::vector<std::vector<double>>& samples, double level,
                                      double c) {
  check_positive(c, "--budget");
  if (law.allocates) return {predict_allocation(law, x, samples, level, c).loss};
  if (!law.of_compute)
    throw InputError(fmt::format(
        "law {} is a law of one variable other than C: it predicts no loss at a budget", law.name));
  // A law of C reads only the point's C; N and D are any split with 6·N·D = C.
  const double n = params_at_tokens_per_param_6nd(c, 1.0);
  const LawPoint p = make_point(n, tokens_for_budget_6nd(c, n), c);
  std::vector<double> draws;
  for (const auto& s : samples) draws.push_back(law.predict(s, p));
  const double loss = law.predict(x, p);
  check_finite(loss, "loss", fmt::format("at C = {}", format_general(c, 4)));
  return {estimate(loss, draws, level)};
}

void FittedLaw::require_sound() const {
  if (degenerate) throw DegenerateFitError(name, degenerate_reason);
}

LossPrediction predict_loss(const FittedLaw& f, double params, double tokens,
                            double unique_tokens) {
  f.require_sound();
  return predict_loss(*f.law, f.x, f.samples, f.level, params, tokens, unique_tokens);
}

AllocationPrediction predict_allocation(const FittedLaw& f, double flops) {
  f.require_sound();
  return predict_allocation(*f.law, f.x, f.samples, f.level, flops);
}

LossPrediction predict_loss_at_budget(const FittedLaw& f, double flops) {
  f.require_sound();
  return predict_loss_at_budget(*f.law, f.x, f.samples, f.level, flops);
}

}  // namespace scalelab::fitting
