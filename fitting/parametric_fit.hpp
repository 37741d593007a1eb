// Fitting a parametric law (fitting/law.hpp) to observations: the summed Huber objective in
// log space, minimised with L-BFGS from every start of the law's grid (for chinchilla the
// 4,500-start grid of Hoffmann et al.), keeping the best. This is Approach 3.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fitting/degeneracy.hpp"
#include "fitting/huber.hpp"
#include "fitting/law.hpp"
#include "fitting/lbfgs_multistart.hpp"
#include "lib/observation.hpp"

namespace scalelab::fitting {

struct FitOptions {
  // Huber δ on log residuals (Hoffmann et al. 2022).
  double delta = kDefaultHuberDelta;
  // Drop this many observations with the highest losses before fitting (Besiroglu et al. drop
  // the 5 highest of Chinchilla's Figure 4: small, badly trained runs).
  int drop_highest = 0;
  // Start grid per fitted parameter (fitted scale: logs for log-scale parameters); empty
  // means the law's own grid (fitting/law.hpp).
  std::vector<std::vector<double>> grid;
  // Parameters held fixed, by reported name and on the reported scale: {"alpha", 0.34}.
  std::map<std::string, double> fixed;
  // Two starts "agree" when every fitted-scale parameter differs by at most this much; starts
  // whose objective is within `tie_tolerance` (relative) of the best but that disagree are
  // flagged (the optimum is not identified).
  double agree_tolerance = 1e-3;
  double tie_tolerance = 1e-7;
  LbfgsOptions lbfgs;
  // When the fit counts as degenerate (fitting/degeneracy.hpp).
  DegeneracyOptions degeneracy;
};

struct FitResult {
  std::string law;
  std::vector<std::string> names;  // reported parameter names
  std::vector<double> x;           // fitted-scale parameters of the best start
  std::vector<double> values;      // reported values (E = exp(e), ...)
  std::vector<bool> fixed;         // per parameter: held fixed
  std::vector<bool> at_bound;      // per parameter: estimate outside/at its plausible range
  double objective = 0;            // summed Huber at the optimum
  std::size_t n_points = 0;        // observations fitted (after dropping)
  std::size_t n_dropped = 0;
  bool converged = false;   // the winning start reached ceres::CONVERGENCE
  std::string termination;  // the winning start's Ceres termination and message
  int iterations = 0;       // L-BFGS iterations of the winning start
  std::size_t n_starts = 0;
  std::size_t n_starts_converged = 0;
  std::size_t n_starts_at_best = 0;      // starts tying the best objective and agreeing with it
  std::size_t n_starts_disagreeing = 0;  // starts tying the best objective but elsewhere
  std::vector<double> residuals;         // log(prediction) − log(loss) per kept observation
  std::vector<Observation> kept;         // the observations fitted, in input order
  // The verdict of rules 1-4 of fitting/degeneracy.hpp on this point estimate (fit_law sets
  // it; the bootstrap's rule 5 is added by fit_parametric, fitting/fit_report.hpp).
  bool degenerate = false;
  std::string degenerate_reason;  // empty when not degenerate
  // The SIMD build of the chinchilla objective that ran ("generic", "avx2", "avx512":
  // fitting/chinchilla_kernel.hpp); empty for laws fitted with automatic derivatives.
  std::string kernel;

  double value(std::string_view name) const;
};

// The observations the fit uses: validated, with the `drop_highest` highest losses removed
// (input order kept). Throws InputError for a bad observation (naming obs.where) or when
// fewer remain than the law has free parameters.
std::vector<Observation> prepare_observations(const LawSpec& law,
                                              const std::vector<Observation>& observations,
                                              const FitOptions& options);

// Fits `law` from its whole grid (or options.grid) and judges it (degenerate, reason).
FitResult fit_law(const LawSpec& law, const std::vector<Observation>& observations,
                  const FitOptions& options = {});

// Fits prepared observations from explicit fitted-scale starts (the bootstrap's refits); no
// verdict (degenerate stays false).
// `fixed` is per parameter on the fitted scale.
FitResult fit_law_from(const LawSpec& law, const std::vector<Observation>& kept,
                       const std::vector<std::vector<double>>& starts,
                       const std::vector<std::optional<double>>& fixed, const FitOptions& options);

// options.fixed translated to the fitted scale, one entry per parameter.
std::vector<std::optional<double>> fixed_parameters(const LawSpec& law, const FitOptions& options);

}  // namespace scalelab::fitting
