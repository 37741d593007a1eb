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
// Parametric fits add "degenerate" (bool) and "reason" (string, null when not
// degenerate): the verdict of fitting/degeneracy.hpp on the fit and its bootstrap; a
// degenerate fit's values are still reported but no command predicts or allocates from it.
// And "kernel": the SIMD build of the chinchilla objective that ran ("generic", "avx2",
// "avx512"; null for the other laws, fitted with automatic derivatives).
// Non-finite numbers are null (lib/output.hpp): a parameter that overflowed (A = e^812), an
// interval with an unbounded end ("intervals": {"A": null}).
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
#include "fitting/prediction.hpp"
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
  // The verdict of fitting/degeneracy.hpp on the point estimate and the bootstrap together
  // (point.degenerate covers the point estimate alone).
  bool degenerate = false;
  std::string degenerate_reason;  // empty when not degenerate

  // The law to predict from, named `name` in messages ("Approach 3"): predict_loss and
  // predict_allocation on it refuse a degenerate fit (DegenerateFitError).
  FittedLaw fitted_law(std::string name) const;
};

// Fits, bootstraps (request.bootstrap.resamples > 0) and judges the fit (judge_degeneracy).
ParametricOutcome fit_parametric(const std::vector<Observation>& observations,
                                 const FitRequest& request);
// Sets o.degenerate and o.degenerate_reason from the rule of fitting/degeneracy.hpp on o.point
// and o.bootstrap (rules 1-5).
void judge_degeneracy(ParametricOutcome& o, const DegeneracyOptions& options = {});
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

// The law of a stored parametric fit's JSON (to_stored_json), named `name` in messages, with
// its verdict: "degenerate"/"reason" as stored, or, for documents stored before the
// verdict was, judged again from the document by the same rule. A parameter stored as null
// (non-finite) makes it degenerate; a bootstrap sample with a null value (a refit whose value
// overflowed) is left out, as percentile intervals leave out NaN. Never fails on a null.
// Throws InputError when the document is not a parametric fit or lacks a parameter.
FittedLaw parse_stored_fit(const nlohmann::json& doc, const std::string& name);

// Prints a fit's JSON as a table (rounded), CSV (name,value,lo,hi at full precision) or JSON;
// the table's text says whether the fit is degenerate and why. Non-finite and null values
// follow lib/output.hpp ("unbounded"/"n/a" in the table, empty in CSV).
void print_fit(std::ostream& out, const nlohmann::json& fit, Format format);

}  // namespace scalelab::fitting
