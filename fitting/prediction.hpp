// Predictions from a fitted parametric law, with percentile intervals taken over the
// bootstrap refits (fitting/bootstrap.hpp): the loss at (N, D), and the compute-optimal
// split of a budget C = 6ND with N_opt, D_opt and tokens per parameter.
//
// A fit is predicted from as a FittedLaw, which carries the verdict of fitting/degeneracy.hpp:
// the FittedLaw overloads refuse a degenerate law with DegenerateFitError (one line naming the
// fit and the reason, exit 2). The overloads on bare parameters are for laws known sound (a
// published law, a plot of a fit already checked). Every point prediction is checked finite
// where it is made (InputError otherwise); an interval end may be infinite (an honestly
// unbounded interval: lib/output.hpp prints it as "unbounded", JSON as null).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fitting/bootstrap.hpp"
#include "fitting/degeneracy.hpp"
#include "fitting/law.hpp"

namespace scalelab::fitting {

// A value with its interval; the interval is absent without bootstrap samples.
struct Estimate {
  double value = 0;
  std::optional<Interval> interval;
};

struct LossPrediction {
  Estimate loss;
};

struct AllocationPrediction {
  Estimate params;            // N_opt
  Estimate tokens;            // D_opt
  Estimate tokens_per_param;  // D_opt / N_opt
  Estimate loss;              // L(N_opt, D_opt)
};

// A fitted parametric law ready to predict from: fit_parametric's ParametricOutcome::
// fitted_law (fitting/fit_report.hpp), a stored fit (parse_stored_fit there), or a published
// law.
struct FittedLaw {
  const LawSpec* law = nullptr;
  std::vector<double> x;                     // fitted-scale parameters
  std::vector<std::vector<double>> samples;  // bootstrap refits, fitted scale; may be empty
  double level = 0.95;                       // interval level
  std::string name;                          // names it in messages: "fit 3 (chinchilla on
                                             // runs.csv)", "Approach 3", "epoch2024"
  bool degenerate = false;                   // fitting/degeneracy.hpp
  std::string degenerate_reason;
  // Throws DegenerateFitError (naming `name` and the reason) when degenerate.
  void require_sound() const;
};

// These throw DegenerateFitError for a degenerate law, then predict as below.
LossPrediction predict_loss(const FittedLaw& law, double params, double tokens,
                            double unique_tokens = 0);
AllocationPrediction predict_allocation(const FittedLaw& law, double flops);
LossPrediction predict_loss_at_budget(const FittedLaw& law, double flops);

// `samples` are fitted-scale parameter vectors (BootstrapResult::samples); may be empty.
// Laws of one variable take the variable from N (power-n), D (power-d) or C (power-c);
// unique_tokens 0 means no repetition.
LossPrediction predict_loss(const LawSpec& law, const std::vector<double>& x,
                            const std::vector<std::vector<double>>& samples, double level,
                            double params, double tokens, double unique_tokens = 0);

// The loss a law predicts at a training budget of C FLOPs: L(C) for a law of C alone
// (power-c), the compute-optimal L(N_opt, D_opt) of C = 6ND for a law of N and D (the loss of
// predict_allocation). Throws InputError for power-n and power-d, which do not see C.
LossPrediction predict_loss_at_budget(const LawSpec& law, const std::vector<double>& x,
                                      const std::vector<std::vector<double>>& samples, double level,
                                      double flops);

// Throws InputError for a law that does not depend on both N and D.
AllocationPrediction predict_allocation(const LawSpec& law, const std::vector<double>& x,
                                        const std::vector<std::vector<double>>& samples,
                                        double level, double flops);

}  // namespace scalelab::fitting
