#include "lib/allocation.hpp"

#include <fmt/format.h>

#include <cmath>

#include "lib/compute.hpp"
#include "lib/error.hpp"

namespace scalelab {

Allocation AllocationRule::allocate(double c) const {
  switch (kind) {
    case Kind::kRatio: {
      Allocation a;
      a.params = params_at_tokens_per_param_6nd(c, tokens_per_param);
      a.tokens = tokens_for_budget_6nd(c, a.params);  // = r·N, so that 6·N·D == C to rounding
      return a;
    }
    case Kind::kChinchilla:
      return chinchilla.optimal_allocation(c);
    case Kind::kKaplan:
      return kaplan.optimal_allocation(c);
  }
  return {};
}

double AllocationRule::predicted_loss(double total_params, double non_embedding_params,
                                      double tokens) const {
  if (kind == Kind::kKaplan) return kaplan.loss(non_embedding_params, tokens);
  return chinchilla.loss(total_params, tokens);
}

AllocationRule make_allocation_rule(std::string_view name, double tokens_per_param,
                                    std::string_view what) {
  AllocationRule rule;
  rule.name = std::string(name);
  if (name == "ratio") {
    if (!(std::isfinite(tokens_per_param) && tokens_per_param > 0))
      throw InputError(fmt::format("--tokens-per-param: {} (accepted: a positive number, e.g. 20)",
                                   tokens_per_param));
    rule.kind = AllocationRule::Kind::kRatio;
    rule.tokens_per_param = tokens_per_param;
    return rule;
  }
  if (name == "hoffmann2022" || name == "epoch2024" || name == "kaplan2020") {
    const PublishedLaw& law = find_published_law(name, what);
    if (law.chinchilla) {
      rule.kind = AllocationRule::Kind::kChinchilla;
      rule.chinchilla = *law.chinchilla;
    } else {
      rule.kind = AllocationRule::Kind::kKaplan;
      rule.kaplan = *law.kaplan;
    }
    return rule;
  }
  throw InputError(fmt::format(
      "{}: unknown rule '{}' (accepted: ratio, hoffmann2022, epoch2024, kaplan2020)", what, name));
}

AllocationRule fitted_allocation_rule(std::string name, const ChinchillaLaw& law) {
  AllocationRule rule;
  rule.name = std::move(name);
  rule.kind = AllocationRule::Kind::kChinchilla;
  rule.chinchilla = law;
  return rule;
}

}  // namespace scalelab
