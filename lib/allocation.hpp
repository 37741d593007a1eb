// Splitting a compute budget C = 6·N·D into parameters N and tokens D.
#pragma once

#include <string>
#include <string_view>

#include "lib/scaling_law.hpp"

namespace scalelab {

struct AllocationRule {
  enum class Kind {
    kRatio,       // fixed tokens per parameter: N = sqrt(C / (6r)), D = r·N
    kChinchilla,  // closed form of L = E + A/N^α + B/D^β (published or fitted)
    kKaplan,      // N_opt = 1.3e9·(C / PF-day)^0.73
  };

  std::string name = "ratio";  // "ratio", "hoffmann2022", "epoch2024", "kaplan2020", "fit:<id>"
  Kind kind = Kind::kRatio;
  // kRatio: tokens per parameter r. 20 is Chinchilla's rule of thumb.
  double tokens_per_param = 20.0;
  // kChinchilla: the law allocated from. kRatio: the law used to predict losses
  // (Epoch AI's 2024 re-fit, the best published estimate of Chinchilla's law).
  ChinchillaLaw chinchilla = kEpoch2024;
  KaplanLaw kaplan = kKaplan2020;  // kKaplan

  // 6·params·tokens == compute_flops for every kind.
  Allocation allocate(double compute_flops) const;
  // Loss predicted by the rule's law. Kaplan's law takes the non-embedding count.
  double predicted_loss(double total_params, double non_embedding_params, double tokens) const;
};

// "ratio" (with tokens_per_param), "hoffmann2022", "epoch2024", "kaplan2020".
// Throws InputError naming `what` and the accepted rules.
AllocationRule make_allocation_rule(std::string_view name, double tokens_per_param = 20.0,
                                    std::string_view what = "--rule");

// A rule that allocates from a fitted Chinchilla-form law (e.g. one stored by `scalelab fit`).
AllocationRule fitted_allocation_rule(std::string name, const ChinchillaLaw& law);

}  // namespace scalelab
