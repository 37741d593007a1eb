// Scaling-law forms with published constants, and compute-optimal allocation from them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scalelab {

// A split of a compute budget C = 6·N·D into parameters N and tokens D.
struct Allocation {
  double params = 0;  // N (total parameters)
  double tokens = 0;  // D
  double tokens_per_param() const { return tokens / params; }
};

// L(N, D) = E + A / N^alpha + B / D^beta  (Hoffmann et al. 2022, eq. 2).
struct ChinchillaLaw {
  double E = 0, A = 0, B = 0, alpha = 0, beta = 0;

  double loss(double params, double tokens) const;
  // Closed form under C = 6ND: N_opt = G·(C/6)^(β/(α+β)), D_opt = (C/6)/N_opt,
  // G = (αA / (βB))^(1/(α+β))  (Hoffmann et al. 2022, eq. 4).
  Allocation optimal_allocation(double compute_flops) const;
};

// L(N, D) = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D with N the non-embedding parameter count
// (Kaplan et al. 2020, eq. 1.5), and N_opt(C) = 1.3e9 · (C / 1 PF-day)^0.73 (their eq. 1.7,
// C_min in PF-days), D = C / (6N).
struct KaplanLaw {
  double N_c = 8.8e13;  // non-embedding parameters
  double D_c = 5.4e13;  // tokens
  double alpha_N = 0.076;
  double alpha_D = 0.095;
  double n_opt_coefficient = 1.3e9;  // N_opt at 1 PF-day
  double n_opt_exponent = 0.73;

  double loss(double non_embedding_params, double tokens) const;
  Allocation optimal_allocation(double compute_flops) const;
};

// Hoffmann et al. 2022, Approach 3 as published.
inline constexpr ChinchillaLaw kHoffmann2022{1.69, 406.4, 410.7, 0.34, 0.28};
// Besiroglu et al. 2024 (Epoch AI), "Chinchilla Scaling: A replication attempt".
inline constexpr ChinchillaLaw kEpoch2024{1.8172, 482.01, 2085.43, 0.3478, 0.3658};
inline constexpr KaplanLaw kKaplan2020{};

// A published law by name: "hoffmann2022", "epoch2024" or "kaplan2020".
struct PublishedLaw {
  std::string name;
  std::optional<ChinchillaLaw> chinchilla;  // set for hoffmann2022, epoch2024
  std::optional<KaplanLaw> kaplan;          // set for kaplan2020
  std::string citation;
};

const std::vector<PublishedLaw>& published_laws();
// Throws InputError naming `what` and the accepted names.
const PublishedLaw& find_published_law(std::string_view name, std::string_view what = "--law");

}  // namespace scalelab
