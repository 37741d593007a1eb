// Cooldown branches (Hägele et al. 2024, "Scaling Laws and Compute-Optimal Training Beyond
// Fixed Training Durations"): the runs of a plan that share a model shape train as one stable
// run at the constant peak learning rate and one short cooldown per planned D, branched from
// the stable run's checkpoint where that D's cooldown starts. A WSD run of D with cooldown
// fraction f follows the peak up to (1 − f)·D, so its branch costs only f·D tokens beyond the
// stable run, which itself trains to (1 − f)·D_max of the shape's largest D:
//   independent: Σ 6·N·D_i        with branches: 6·N·((1 − f)·D_max + f·Σ D_i)
// (trainer side: TrainConfig::keep_checkpoints and branch_from, bitwise the WSD run).
#pragma once

#include <cstddef>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "lib/model_shape.hpp"
#include "sweeps/plan.hpp"

namespace scalelab::sweeps {

struct BranchPoint {
  std::size_t budget = 0;  // index into Plan::budgets
  std::size_t run = 0;     // index into that budget's grid
  double tokens = 0;       // the run's D
  double branch_at = 0;    // (1 − f)·D: the stable run's tokens where its cooldown starts
  // The FLOPs this point adds: its cooldown, 6·N·f·D, plus the stable run's stretch from the
  // previous (smaller) branch point to its own, 6·N·(1 − f)·(D − D_previous).
  double flops = 0;
};

// The runs of one shape, ascending D; the stable run trains to points.back().branch_at.
struct BranchGroup {
  ModelShape shape;
  double params = 0;
  std::vector<BranchPoint> points;
  double independent_flops = 0;  // Σ 6·N·D
  double branched_flops = 0;     // Σ points' flops
};

struct BranchPlan {
  double cooldown_fraction = 0.2;
  std::vector<BranchGroup> groups;  // ascending params
  // Per budget (the order of Plan::budgets) and in total.
  std::vector<double> independent_flops, branched_flops;
  double total_independent = 0, total_branched = 0;
  double saving() const { return total_independent > 0 ? 1 - total_branched / total_independent : 0; }
};

// Groups the grid runs of `plan` by shape. Throws InputError for a cooldown fraction outside
// (0, 1].
BranchPlan plan_branches(const Plan& plan, double cooldown_fraction);

// {"cooldown_fraction", "saving", "independent_flops", "branched_flops", "budgets":
// [{"compute_flops", "independent_flops", "branched_flops"}], "groups": [{"params", "shape",
// "stable_tokens", "points": [{"budget_flops", "tokens", "branch_at", "flops"}]}]}.
nlohmann::json branch_plan_to_json(const Plan& plan, const BranchPlan& branches);

}  // namespace scalelab::sweeps
