// Comparing training configurations under one law of N and D (`scalelab compare`):
//
//   - each configuration (N, D) gets its predicted loss (with the fit's bootstrap interval),
//     its training compute C = 6ND, and the compute-optimal N_opt, D_opt and loss at that C;
//     its excess loss over that optimum (interval over the same bootstrap refits) says how
//     far it is from the best use of its compute. The best row has the least excess loss: at
//     one budget, the lowest predicted loss.
//   - continued training: a model already trained on D0 tokens and trained on D more is
//     predicted at L(N, D0 + D) and compared with training from scratch on D. This treats the
//     pretraining tokens as interchangeable with the new ones (same distribution, same run),
//     the simplification of the usual calculators. Only the new D costs compute.
//   - inference-aware cost (Sardana et al. 2024, "Beyond Chinchilla-Optimal"): serving T
//     tokens costs 2·N·T FLOPs on top of 6·N·D. With T > 0 each row is compared with the
//     cheapest configuration that reaches its own predicted loss at that total cost, and the
//     best row has the least excess cost.
//   - a target loss: for a few N, the D that reaches it and the total cost; the cheapest N is
//     found by a 1-D search over log N.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fitting/fit_report.hpp"
#include "fitting/prediction.hpp"
#include "lib/scaling_law.hpp"

namespace scalelab::fitting {

// A law to compare under: the fitted-scale parameters of a law of N and D, with bootstrap
// samples (empty for a published law). Made by parse_stored_fit (sweeps::load_fitted_law) or
// published_law_as_fit. A degenerate one is refused (FittedLaw::require_sound).
using CompareLaw = FittedLaw;

// hoffmann2022 and epoch2024 as law "chinchilla", kaplan2020 as law "kaplan" (N is then
// Kaplan's non-embedding count, and the optimum at C is the minimum of his L(N, D) along
// C = 6ND, not his eq. 1.7, which fits early-stopped runs).
CompareLaw published_law_as_fit(const PublishedLaw& law);

struct CompareConfig {
  std::string label;             // as the user wrote it ("50M:3.3B") or the CSV's label
  double params = 0;             // N
  double tokens = 0;             // D: tokens trained now
  double unique_tokens = 0;      // data-constrained laws; 0: no repetition
  double pretrained_tokens = 0;  // D0 already trained (continued training); 0: from scratch
  std::string where;             // "CONFIG '50M:3.3B'" or "file.csv:3", for messages
};

// "N:D" with counts as lib/budget.hpp's parse_count reads them ("50M:3.3B", "5e7:3.3e9") and
// D optionally as tokens per parameter ("25M:20x" is D = 20·N). Throws InputError naming the
// CONFIG and what is accepted.
CompareConfig parse_compare_config(std::string_view text);

// A CSV with columns N and D (numbers or counts such as 50M; D may be "20x") and optional
// label, unique_tokens, pretrained_tokens. Errors name file:line and the column.
std::vector<CompareConfig> read_compare_csv(const std::string& path);

struct CompareOptions {
  double level = 0.95;          // interval level over the bootstrap samples
  double inference_tokens = 0;  // T: tokens the model will serve; 0: training cost only
};

// The cheapest configuration that reaches a loss, and what it costs.
struct CheapestConfig {
  double params = 0, tokens = 0;
  double training_flops = 0;   // 6·N·D
  double inference_flops = 0;  // 2·N·T
  double total_flops = 0;
};

struct ComparedConfig {
  CompareConfig config;
  Estimate loss;                 // L(N, D0 + D)
  double flops = 0;              // C = 6·N·D (new training only)
  double tokens_per_param = 0;   // D / N
  AllocationPrediction optimal;  // N_opt, D_opt, tokens/param and loss at C
  Estimate excess_loss;          // loss − optimal loss, per bootstrap refit for the interval
  // Continued training (D0 > 0): L(N, D) from scratch and the gain L(N, D) − L(N, D0 + D).
  std::optional<Estimate> scratch_loss, continued_gain;
  // T > 0: 2·N·T, 6·N·D + 2·N·T, the cheapest configuration reaching `loss.value` and this
  // row's excess cost total / cheapest − 1 (point estimates).
  double inference_flops = 0, total_flops = 0;
  std::optional<CheapestConfig> cheapest;
  std::optional<double> excess_cost;
  bool best = false;
};

struct Comparison {
  std::vector<ComparedConfig> rows;  // in the order given
  std::size_t best = 0;              // index of the best row
  std::string best_by;               // "excess_loss" or "excess_cost"
};

// Throws InputError for a law that is not of N and D, no configs, or a config the law cannot
// take (e.g. unique tokens beyond D0 + D).
Comparison compare_configs(const CompareLaw& law, const std::vector<CompareConfig>& configs,
                           const CompareOptions& options = {});

// ---- target loss --------------------------------------------------------------------------

// The tokens that bring N parameters to `target` (L(N, D) = target, no repetition), or
// nullopt when no D does (the target is at or below L(N, D → ∞)). Point estimate.
std::optional<double> tokens_for_loss(const CompareLaw& law, double params, double target);

// The configuration of least total cost 6·N·D + 2·N·T that reaches `target`. Throws
// InputError when the law cannot reach it with any N and D.
CheapestConfig cheapest_config_for_loss(const CompareLaw& law, double target,
                                        double inference_tokens);

struct TargetLossRow {
  std::string label;  // "cheapest" or the N as given
  double params = 0, tokens = 0, tokens_per_param = 0;
  double training_flops = 0, inference_flops = 0, total_flops = 0;
  double excess_cost = 0;  // total / cheapest total − 1
  bool best = false;
};

struct TargetLossPlan {
  double target_loss = 0;
  double inference_tokens = 0;
  std::vector<TargetLossRow> rows;  // by increasing N; the cheapest one among them
  std::size_t best = 0;
  std::vector<std::string> unreachable;  // N that reach the target with no D
};

// Rows for each N of `params` (as given in `labels`) and the cheapest N; with no N, the
// cheapest N times 1/4, 1/2, 2 and 4. Throws InputError when the target cannot be reached.
TargetLossPlan plan_for_target_loss(const CompareLaw& law, double target, double inference_tokens,
                                    const std::vector<double>& params,
                                    const std::vector<std::string>& labels);

}  // namespace scalelab::fitting
