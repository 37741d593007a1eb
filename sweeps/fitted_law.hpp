// Laws fitted by `scalelab fit` and stored in the database, for planning and prediction.
// A stored fit carries its verdict (fitting/degeneracy.hpp); a degenerate one is loaded marked
// as such, so that it can still be shown, and refused when asked to predict or allocate.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "db/sqlite.hpp"
#include "fitting/prediction.hpp"
#include "lib/allocation.hpp"
#include "lib/scaling_law.hpp"

namespace scalelab::sweeps {

// How messages name stored fit `id`: "fit 3 (chinchilla on runs.csv)".
std::string fit_display_name(std::int64_t id, std::string_view law, std::string_view source);

// The parametric law of stored fit `id`, named by fit_display_name, degenerate ones marked
// (fitting::predict_loss / predict_allocation on it throw fitting::DegenerateFitError). Throws
// InputError when the fit does not exist or is not a parametric law (e.g. an IsoFLOP fit).
fitting::FittedLaw load_fitted_law(db::Database& db, std::int64_t id);

// The Chinchilla-form law (E, A, B, alpha, beta) of stored fit `id`. Throws InputError when
// the fit does not exist or is of another form, and fitting::DegenerateFitError (an
// InputError, exit 2) naming the fit and the reason when it is degenerate.
ChinchillaLaw load_fitted_chinchilla_law(db::Database& db, std::int64_t id);

// "fit:ID" → true and the id; anything else → false.
bool parse_fit_reference(std::string_view text, std::int64_t& id);

// The allocation rule of stored fit `id`, named "fit:ID"; throws as load_fitted_chinchilla_law.
AllocationRule fitted_rule(db::Database& db, std::int64_t id);

}  // namespace scalelab::sweeps
