#include "sweeps/fitted_law.hpp"

#include <fmt/format.h>

#include <charconv>
#include <nlohmann/json.hpp>

#include "db/fit_store.hpp"
#include "fitting/fit_report.hpp"
#include "lib/error.hpp"

namespace scalelab::sweeps {

std::string fit_display_name(std::int64_t id, std::string_view law, std::string_view source) {
  return fmt::format("fit {} ({} on {})", id, law, source);
}

fitting::FittedLaw load_fitted_law(db::Database& db, std::int64_t id) {
  const db::FitRecord fit = db::require_fit(db, id);
  const std::string name = fit_display_name(id, fit.law, fit.source);
  const auto doc = nlohmann::json::parse(fit.result_json, nullptr, false);
  if (doc.is_discarded()) throw InputError(fmt::format("{}: its stored JSON does not parse", name));
  return fitting::parse_stored_fit(doc, name);
}

ChinchillaLaw load_fitted_chinchilla_law(db::Database& db, std::int64_t id) {
  const db::FitRecord fit = db::require_fit(db, id);
  if (fit.law != "chinchilla")
    throw InputError(
        fmt::format("fit {} is a '{}' fit without the Chinchilla parameters E, A, B, alpha, beta "
                    "(fit with --law chinchilla to plan or predict from it)",
                    id, fit.law));
  const fitting::FittedLaw law = load_fitted_law(db, id);
  law.require_sound();
  return fitting::to_chinchilla_law(law.x);
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
