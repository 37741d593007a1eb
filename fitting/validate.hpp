// Out-of-sample validation of a parametric law: hold out the largest budget (or the largest
// models), fit the rest, predict the held-out runs.
#pragma once

#include <string>
#include <vector>

#include "fitting/parametric_fit.hpp"

namespace scalelab::fitting {

struct HoldoutOptions {
  enum class By { kLargestBudget, kLargestParams };
  By by = By::kLargestBudget;
  // Runs within this factor of the largest C (or N) are held out: 10^0.25 keeps a planned
  // sweep's top budget together (budgets are usually ≥ 2x apart) and also groups imported
  // runs whose budgets differ slightly.
  double factor = 1.7782794100389228;  // 10^0.25
  FitOptions fit;                      // drop_highest applies to the training runs only
};

struct HeldOutRun {
  Observation run;
  double predicted = 0;
  double relative_error = 0;  // (predicted − loss) / loss
};

struct ValidationResult {
  FitResult fit;  // on the training runs
  std::vector<HeldOutRun> held_out;
  double mean_abs_relative_error = 0;
  double threshold = 0;  // held out: C (or N) >= threshold
};

// Throws InputError when nothing would be left to train on or the training runs are too few.
ValidationResult validate_holdout(const LawSpec& law, const std::vector<Observation>& runs,
                                  const HoldoutOptions& options = {});

}  // namespace scalelab::fitting
