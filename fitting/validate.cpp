#include "fitting/validate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "lib/error.hpp"

namespace scalelab::fitting {

ValidationResult validate_holdout(const LawSpec& law, const std::vector<Observation>& runs,
                                  const HoldoutOptions& o) {
  if (runs.empty()) throw InputError("validate: no runs");
  if (!(o.factor >= 1))
    throw InputError(fmt::format("validate: hold-out factor must be >= 1, got {}", o.factor));
  const bool by_budget = o.by == HoldoutOptions::By::kLargestBudget;
  auto key = [&](const Observation& r) { return by_budget ? r.flops : r.params; };
  double largest = 0;
  for (const auto& r : runs) {
    validate_observation(r);
    largest = std::max(largest, key(r));
  }
  ValidationResult result;
  result.threshold = largest / o.factor;
  std::vector<Observation> train, test;
  for (const auto& r : runs) (key(r) >= result.threshold ? test : train).push_back(r);
  if (train.empty())
    throw InputError(
        fmt::format("validate: every run is within a factor {:.3g} of the largest {}; "
                    "nothing left to fit",
                    o.factor, by_budget ? "budget" : "N"));
  result.fit = fit_law(law, train, o.fit);
  double sum = 0;
  for (const auto& r : test) {
    const double predicted = law.predict(result.fit.x, make_point(r));
    const double rel = (predicted - r.loss) / r.loss;
    result.held_out.push_back({r, predicted, rel});
    sum += std::fabs(rel);
  }
  result.mean_abs_relative_error = sum / static_cast<double>(test.size());
  return result;
}

}  // namespace scalelab::fitting
