#include "sweeps/fitted_law.hpp"

#include <fmt/format.h>

#include <charconv>
#include <nlohmann/json.hpp>

#include "db/fit_store.hpp"
#include "lib/error.hpp"

namespace scalelab::sweeps {

ChinchillaLaw load_fitted_chinchilla_law(db::Database& db, std::int64_t id) {
  const db::FitRecord fit = db::require_fit(db, id);
  const auto doc = nlohmann::json::parse(fit.result_json, nullptr, false);
  const auto params = doc.is_object() ? doc.value("params", nlohmann::json()) : nlohmann::json();
  for (const char* key : {"E", "A", "B", "alpha", "beta"})
    if (!params.is_object() || !params.contains(key) || !params[key].is_number())
      throw InputError(
          fmt::format("fit {} is a '{}' fit without the Chinchilla parameters E, A, B, alpha, beta "
                      "(fit with --law chinchilla to plan or predict from it)",
                      id, fit.law));
  return ChinchillaLaw{params["E"], params["A"], params["B"], params["alpha"], params["beta"]};
}

bool parse_fit_reference(std::string_view text, std::int64_t& id) {
  if (!text.starts_with("fit:")) return false;
  const std::string_view digits = text.substr(4);
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (ec != std::errc() || end != digits.data() + digits.size() || id <= 0)
    throw InputError(
        fmt::format("--rule: '{}' (accepted: fit:ID with the id `scalelab fit` printed)", text));
  return true;
}

AllocationRule fitted_rule(db::Database& db, std::int64_t id) {
  return fitted_allocation_rule(fmt::format("fit:{}", id), load_fitted_chinchilla_law(db, id));
}

}  // namespace scalelab::sweeps
