// Planning: compute budgets → compute-optimal points and IsoFLOP grids of concrete shapes.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "lib/allocation.hpp"
#include "lib/hardware.hpp"
#include "lib/shape_search.hpp"

namespace scalelab::sweeps {

struct PlanOptions {
  std::vector<double> budgets;              // training FLOPs, one IsoFLOP profile each
  AllocationRule rule;                      // default: ratio, 20 tokens per parameter
  int grid = 5;                             // model sizes per budget
  double span = 4.0;                        // sizes log-spaced from N_opt/span to N_opt·span
  ShapeSearchOptions shape;                 // arch, vocab, seq_len, aspect band
  Accelerator hardware = {"H100", 989e12};  // for the hours estimate
  double mfu = 0.4;                         // model-FLOP utilisation assumed for hours
  std::string data = "kjv";                 // the data the sweep trains on (built-in corpus)
  // Snap every grid target to one geometric lattice shared by all budgets (the grid's own
  // ratio, span^(2/(grid−1)), through N = 1), so that the same shapes recur across budgets:
  // what cooldown branches need (branch_plan.hpp). Off: each grid is centred on its N_opt.
  bool align_grid = false;

  // Throws InputError naming the first option out of range.
  void validate() const;
};

// One point of a plan. For grid entries `params` is the chosen shape's exact count and
// tokens = C / (6·params), so 6·N·D == C. For the optimal point `params` and `tokens` are the
// rule's exact allocation and `shape` the nearest concrete shape (shape_params, deviation).
struct PlannedRun {
  double params = 0;
  double non_embedding_params = 0;
  double tokens = 0;
  double flops_6nd = 0;    // 6·params·tokens
  double flops_exact = 0;  // Chinchilla Appendix F count of `shape` over `tokens`
  double predicted_loss = 0;
  double hours = 0;  // accelerator-hours on `hardware` at `mfu` for flops_exact
  ShapeChoice shape;
  double tokens_per_param() const { return tokens / params; }
};

struct BudgetPlan {
  double compute_flops = 0;
  PlannedRun optimal;
  std::vector<PlannedRun> grid;  // ascending params
};

struct Plan {
  PlanOptions options;
  std::vector<BudgetPlan> budgets;
};

Plan make_plan(const PlanOptions& options);

// The documented JSON of `scalelab plan --format json`:
// {"budgets": [{"compute_flops", "optimal": {...}, "grid": [{...}]}]} with each point's keys
// params, non_embedding_params, tokens, tokens_per_param, flops_6nd, flops_exact,
// predicted_loss, hours, shape {...}, shape_params, shape_deviation.
nlohmann::json plan_to_json(const Plan& plan);
nlohmann::json plan_options_to_json(const PlanOptions& options);

}  // namespace scalelab::sweeps
