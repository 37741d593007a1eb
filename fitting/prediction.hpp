// Predictions from a fitted parametric law, with percentile intervals taken over the
// bootstrap refits (fitting/bootstrap.hpp): the loss at (N, D), and the compute-optimal
// split of a budget C = 6ND with N_opt, D_opt and tokens per parameter.
#pragma once

#include <optional>

#include "fitting/bootstrap.hpp"
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
