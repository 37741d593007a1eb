#include "lib/scaling_law.hpp"

#include <fmt/format.h>

#include <cmath>

#include "lib/compute.hpp"
#include "lib/error.hpp"
#include "lib/units.hpp"

namespace scalelab {

double ChinchillaLaw::loss(double n, double d) const {
  return E + A / std::pow(n, alpha) + B / std::pow(d, beta);
}

Allocation ChinchillaLaw::optimal_allocation(double c) const {
  const double g = std::pow(alpha * A / (beta * B), 1.0 / (alpha + beta));
  Allocation a;
  a.params = g * std::pow(params_tokens_product_6nd(c), beta / (alpha + beta));
  a.tokens = params_tokens_product_6nd(c) / a.params;
  return a;
}

double KaplanLaw::loss(double n, double d) const {
  return std::pow(std::pow(N_c / n, alpha_N / alpha_D) + D_c / d, alpha_D);
}

Allocation KaplanLaw::optimal_allocation(double c) const {
  Allocation a;
  a.params = n_opt_coefficient * std::pow(c / kFlopsPerPfDay, n_opt_exponent);
  a.tokens = tokens_for_budget_6nd(c, a.params);
  return a;
}

const std::vector<PublishedLaw>& published_laws() {
  static const std::vector<PublishedLaw> laws = {
      {"hoffmann2022", kHoffmann2022, std::nullopt,
       "Hoffmann et al. 2022, Training Compute-Optimal LLMs, Approach 3"},
      {"epoch2024", kEpoch2024, std::nullopt,
       "Besiroglu et al. 2024, Chinchilla Scaling: A replication attempt"},
      {"kaplan2020", std::nullopt, kKaplan2020,
       "Kaplan et al. 2020, Scaling Laws for Neural Language Models"},
  };
  return laws;
}

const PublishedLaw& find_published_law(std::string_view name, std::string_view what) {
  for (const auto& law : published_laws())
    if (law.name == name) return law;
  throw InputError(fmt::format(
      "{}: unknown law '{}' (accepted: hoffmann2022, epoch2024, kaplan2020)", what, name));
}

}  // namespace scalelab
