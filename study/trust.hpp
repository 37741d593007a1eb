// How far a study can be trusted, checked the way a scaling-law researcher would check it
// before believing its prediction, and said in plain words for the report:
//   - Approach 3 fitted and usable (study.hpp's approach3_problem);
//   - alpha and beta within a sane range (published fits: Hoffmann et al. 2022 0.34 / 0.28;
//     Besiroglu et al. 2024 0.35 / 0.37; small-scale fits reach about 1-1.5), no parameter at
//     a bound, every bootstrap interval finite;
//   - every IsoFLOP budget kept, with its minimum inside its grid of N;
//   - enough budgets over enough compute for L(C) and the exponents;
//   - every fitted run long enough (optimizer steps) that its loss measures the model, not the
//     step count (Porian et al. 2024);
//   - the target run predicted within its interval and within a tolerance.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fitting/degeneracy.hpp"
#include "study/study.hpp"

namespace scalelab::study {

struct TrustOptions {
  // alpha, beta accepted in [exponent_min, exponent_max]: the sane range of
  // fitting/degeneracy.hpp, [0.05, 2].
  double exponent_min = fitting::DegeneracyOptions{}.exponent_min;
  double exponent_max = fitting::DegeneracyOptions{}.exponent_max;
  int min_budgets = 4;
  double min_decades = 1.0;        // max C / min C of the budgets, as a power of ten
  std::int64_t min_steps = 500;    // optimizer steps of every fitted run
  double max_target_error = 0.03;  // |predicted - observed| / observed of the target run
};

struct TrustCheck {
  std::string name;   // "alpha in [0.05, 2]", ...
  std::string value;  // what the study has ("0.61 [0.42, 0.93]")
  bool met = false;
};

// Every check, in the order above; the target's only when study.target_check is set.
std::vector<TrustCheck> trust_checks(const Study& study, const TrustOptions& options = {});

// The report's plain-words account: the range of C, N and D covered, the fitted exponents
// beside Chinchilla's and Kaplan's, the hold-out error, how far the target extrapolates, and
// the study's weaknesses.
std::vector<std::string> trust_paragraphs(const Study& study);

}  // namespace scalelab::study
