// A study as JSON, the documented part of `DIR/demo.json` (and of any consumer that wants a
// study's numbers without parsing the report):
//   "source": string, "param_count": "total" | "non_embedding",
//   "runs": [{"name", "status", "params", "non_embedding_params" (or null), "tokens" (planned
//            D), "trained_tokens", "flops", "budget" (or null), "steps" (last logged, or null),
//            "final_train_loss", "final_eval_loss" (or null), "fitted_loss" (or null),
//            "loss_kind" ("eval", "train", "extrapolated", "imported", or null), "excluded"
//            (why not fitted, or null)}],
//   "fits": [{"approach": "3" | "2" | "L(C)", "law", "params": {name: value},
//            "intervals": {name: [lo, hi]} (absent entries: no bootstrap), "degenerate": bool,
//            "reason": string | null, ...}]; Approach 2 adds "profiles": [{"flops", "n_runs",
//            "params_opt", "tokens_opt", "min_loss", "inside"}]; Approach 3 adds "objective",
//            "converged", "at_bound": [names];
//   "validation": {"threshold", "mean_abs_relative_error", "held_out": n} or null,
//   "target_check": {"run", "params", "tokens", "flops", "method", "predicted",
//                    "predicted_lo", "predicted_hi", "observed", "relative_error", "inside"}
//                   or null,
//   "target_problem": why no law could predict a target run (Study::target_problem) or null,
//   "checks": [{"name", "value", "met"}] (study/trust.hpp).
// Numbers at full precision; a value that is not finite is null (never inf or nan).
#pragma once

#include <nlohmann/json.hpp>

#include "study/study.hpp"

namespace scalelab::study {

nlohmann::json study_json(const Study& study);

}  // namespace scalelab::study
