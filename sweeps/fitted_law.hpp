// Laws fitted by `scalelab fit` and stored in the database, for planning and prediction.
#pragma once

#include <cstdint>
#include <string_view>

#include "db/sqlite.hpp"
#include "lib/allocation.hpp"
#include "lib/scaling_law.hpp"

namespace scalelab::sweeps {

// The Chinchilla-form law (E, A, B, alpha, beta) of stored fit `id`. Throws InputError when
// the fit does not exist or is of another form (e.g. an IsoFLOP fit).
ChinchillaLaw load_fitted_chinchilla_law(db::Database& db, std::int64_t id);

// "fit:ID" → true and the id; anything else → false.
bool parse_fit_reference(std::string_view text, std::int64_t& id);

// The allocation rule of stored fit `id`, named "fit:ID".
AllocationRule fitted_rule(db::Database& db, std::int64_t id);

}  // namespace scalelab::sweeps
