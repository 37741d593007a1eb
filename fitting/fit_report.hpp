// One entry point for "fit these observations with this law and report it", shared by
// `scalelab fit --csv` (apps/cmd_fit.cpp) and the sweep-name form that reads runs from the
// database: the caller only supplies the observations.
//
// The result is the documented JSON of a fit:
//   {"law", "params": {name: value}, "intervals": {name: [lo, hi]}, "objective", "n_points",
//    "converged", "termination", ...}
// Extra keys: "formula", "level", "n_dropped", "iterations", "starts" {"total", "converged",
// "at_best", "disagreeing"}, "flags" {"at_bound": [names], "starts_disagree"}, "bootstrap"
// {"resamples", "failed", "seed", "grid_starts"}, "residuals" {"rms", "max_abs"}; IsoFLOP and
// envelope fits add "profiles" / "envelope". "intervals" is {} with --bootstrap 0.
// For IsoFLOP and envelope fits the params are a, b (exponents of N_opt ∝ C^a, D_opt ∝ C^b)
// and k_n, k_d (their coefficients), the intervals Student-t intervals of the regression, the
// objective the residual sum of squares in log space, and "termination" says "closed form".
#pragma once

#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fitting/bootstrap.hpp"
#include "fitting/envelope.hpp"
#include "fitting/isoflop.hpp"
#include "fitting/parametric_fit.hpp"
#include "lib/output.hpp"

namespace scalelab::fitting {

struct FitRequest {
  // A parametric law (law_names()), "isoflop" or "envelope".
  std::string law = "chinchilla";
  FitOptions fit;
  BootstrapOptions bootstrap;
  IsoflopOptions isoflop;
  EnvelopeOptions envelope;
};

// Names accepted by FitRequest::law.
std::vector<std::string> fit_kinds();

// A parametric fit with its bootstrap, kept together for predictions.
struct ParametricOutcome {
  FitResult point;
  BootstrapResult bootstrap;  // empty samples when bootstrap.resamples == 0
};

ParametricOutcome fit_parametric(const std::vector<Observation>& observations,
                                 const FitRequest& request);
nlohmann::json to_json(const ParametricOutcome& outcome, const FitRequest& request);

// Fits and returns the documented JSON. Throws InputError for bad input.
nlohmann::json fit_observations(const std::vector<Observation>& observations,
                                const FitRequest& request);

// Identity of a set of observations: FNV-1a 64 over every (N, D, C, loss, unique_tokens),
// in order, as 16 hex digits. Stored with a fit.
std::string observations_hash(const std::vector<Observation>& observations);

// The documented JSON plus what `predict --fit ID` needs to give intervals later:
// "param_order" (names) and "bootstrap_samples" (reported-scale values, one array per refit).
nlohmann::json to_stored_json(const ParametricOutcome& outcome, const FitRequest& request);

// Parameters (fitted scale) and bootstrap samples of a stored parametric fit's JSON.
// Throws InputError when the document is not a parametric fit.
struct StoredFit {
  const LawSpec* law = nullptr;
  std::vector<double> x;
  std::vector<std::vector<double>> samples;
  double level = 0.95;
};
StoredFit parse_stored_fit(const nlohmann::json& doc);

// Prints a fit's JSON as a table (rounded), CSV (name,value,lo,hi at full precision) or JSON.
void print_fit(std::ostream& out, const nlohmann::json& fit, Format format);

}  // namespace scalelab::fitting
