// When a parametric fit is degenerate, in one place. A degenerate fit is still reported (its
// values, marked as such) but never used as a law: predictions and allocations from it are
// refused with DegenerateFitError (fitting/prediction.hpp, sweeps/fitted_law.hpp).
//
// The rule. A fit (FitResult, with its bootstrap when it has one) is degenerate when any of
// these holds; its reason is one sentence listing every finding, "; "-separated:
//  1. Non-finite: a parameter or the objective is not finite (e.g. A = e^812 overflows a
//     double, as in ../shared/data/demo_runs_fresh_avx2.csv).
//  2. At a bound: a free parameter that is not an exponent lies at or beyond its plausible
//     range (ParamSpec::lower/upper; FitResult::at_bound), e.g. A >= e^50 or R*_D at 1e-3.
//  3. Exponent out of range: a free exponent (ParamSpec::exponent: chinchilla's and
//     data-constrained's alpha and beta, kaplan's alpha_N and alpha_D, the one-variable laws'
//     alpha) lies outside [exponent_min, exponent_max] = [0.05, 2]. Where the range comes
//     from: published language-model fits span roughly 0.05-2 and cluster well inside it
//     (Kaplan et al. 2020: alpha_N 0.076, alpha_D 0.095, alpha_C^min 0.050; Hoffmann et al.
//     2022: 0.34, 0.28; Besiroglu et al. 2024: 0.35, 0.37), and Hoffmann et al.'s start grid
//     spans 0-2. An exponent near 0 makes its term a constant that trades off against E; one
//     far above 2 makes its term vanish within the data's range (alpha = 1394 on the fixture
//     above): either way the term is not identified and extrapolating it is meaningless.
//  4. Not identified: starts tie the best objective (within FitOptions::tie_tolerance) at
//     different parameters (FitResult::n_starts_disagreeing > 0). Counted (by default)
//     because such ties are a flat valley of the objective: the data cannot choose between
//     the tying laws, and which one wins depends on floating-point detail (the SIMD kernel,
//     the thread count), so an extrapolation from it differs between machines - the failure
//     of issue 17. Well-posed fits have none: Epoch's 240 Chinchilla runs give 0 of 4,500.
//  5. Bootstrap (with resamples > 0): no refit converged; or a parameter's percentile
//     interval has a non-finite (unbounded) end; or more than 2.5% of the refits put a free
//     parameter at or beyond its plausible range (BootstrapResult::at_bound).
// Fixed parameters (FitOptions::fixed) are the user's choice: exempt from 2-3 and 5.
#pragma once

#include <string>
#include <vector>

#include "fitting/law.hpp"
#include "lib/error.hpp"

namespace scalelab::fitting {

struct FitResult;
struct BootstrapResult;

struct DegeneracyOptions {
  // The sane range of a fitted exponent (inclusive), rule 3.
  double exponent_min = 0.05;
  double exponent_max = 2.0;
  // Rule 4: ties at different parameters make a fit degenerate.
  bool ties_are_degenerate = true;
};

// Findings of rules 1-4 on a point estimate, each a clause without a final period
// ("alpha = 1394 lies outside the sane exponent range [0.05, 2]"); empty when sound.
std::vector<std::string> point_degeneracy(const LawSpec& law, const FitResult& fit,
                                          const DegeneracyOptions& options = {});

// Findings of rule 5 on `boot`, the bootstrap of `fit`; empty when sound or when there was no
// bootstrap (resamples == 0).
std::vector<std::string> bootstrap_degeneracy(const LawSpec& law, const FitResult& fit,
                                              const BootstrapResult& boot);

// Findings joined into the one-sentence reason ("; "-separated); empty when none.
std::string degeneracy_reason(const std::vector<std::string>& findings);

// A degenerate law asked for a prediction or an allocation. An InputError (exit 2) whose
// message names the fit and the reason on one line; callers that fall back to another method
// (the demo: Approach 3, then Approach 2, then the ratio rule) catch this type.
class DegenerateFitError : public InputError {
 public:
  // `fit` names the fit in the message: "fit 3 (chinchilla on runs.csv)", "Approach 3".
  DegenerateFitError(const std::string& fit, const std::string& reason);
  const std::string& fit() const { return fit_; }
  const std::string& reason() const { return reason_; }

 private:
  std::string fit_, reason_;
};

}  // namespace scalelab::fitting
