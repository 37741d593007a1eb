// The run a study recommends at a target budget, and how it was chosen: the concrete shape to
// train. The fallback order, each step taken only when the one before cannot be used (and the
// reason recorded):
//   1. Approach 3: its N_opt, rounded to the concrete shape near it (N_opt·2^(k/2), k = -2..2)
//      with the lowest loss the law predicts at D = C/(6N); unusable when the fit is missing or
//      degenerate, or its allocation is not finite.
//   2. Approach 2: N_opt from the IsoFLOP power law N_opt = k·C^a, nearest concrete shape;
//      unusable without at least 2 profiles whose minima lie inside their grids.
//   3. the ratio rule at `fallback_tokens_per_param`.
#pragma once

#include <string>

#include "lib/shape_search.hpp"
#include "study/study.hpp"

namespace scalelab::study {

struct TargetChoice {
  std::string method;    // "Approach 3", "Approach 2" or "ratio rule (r tokens per parameter)"
  std::string fallback;  // why the methods before `method` were not used; empty for Approach 3
  double flops = 0;      // the target budget C
  double n_opt = 0;      // the method's compute-optimal N (in the study's parameter count)
  ShapeChoice shape;     // the concrete model to train
  double params = 0;     // its total parameters
  double tokens = 0;     // D = C / (6 N), N counted as the study counts it
};

// The run to train at `flops`. `shapes` are the plan's shape options; N_opt is taken in the
// study's parameter count and the shape matched on that count.
TargetChoice choose_target(const Study& study, double flops, const ShapeSearchOptions& shapes,
                           double fallback_tokens_per_param = 20.0);

}  // namespace scalelab::study
