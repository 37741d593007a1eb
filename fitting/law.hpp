// The parametric scaling laws fitted in log space with a summed Huber objective, each
// described by a LawSpec: its parameters, its Hoffmann-style start grid, its objective, and how
// it predicts a loss and (for laws of N and D) splits a compute budget.
//
//   chinchilla        L = E + A/N^α + B/D^β                      (Hoffmann et al. 2022, eq. 2)
//   kaplan            L = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D         (Kaplan et al. 2020, eq. 1.5)
//   power-n           L = E + A/N^α   (one variable, irreducible term E)
//   power-d           L = E + B/D^β
//   power-c           L = E + A/C^α
//   data-constrained  L = E + A/N'^α + B/D'^β with effective data and parameters
//                     (Muennighoff et al. 2023, eqs. 5-6):
//                       D' = U_D + U_D·R*_D·(1 − exp(−R_D/R*_D)),  R_D = D/U_D − 1
//                       N' = U_N + U_N·R*_N·(1 − exp(−R_N/R*_N)),  R_N = N/U_N − 1
//                     with U_N = min(N, U_D / 20): the parameters that are compute-optimal for
//                     U_D unique tokens under the ~20 tokens/parameter rule (Muennighoff et
//                     al. take U_N from the Chinchilla allocation; 20 is its approximation).
//
// Every coefficient that spans orders of magnitude is fitted as its logarithm (E = exp(e)...),
// exponents as they are. Residuals are log(prediction) − log(loss).
#pragma once

#include <ceres/first_order_function.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fitting/law_point.hpp"
#include "lib/scaling_law.hpp"

namespace scalelab::fitting {

struct ParamSpec {
  std::string name;        // reported name: "E", "A", "alpha", "R_D_star" ...
  bool log_scale = false;  // fitted as log(value); the grid is on the fitted scale
  // Plausible range on the reported scale; an estimate at or beyond it is flagged
  // (e.g. an exponent at 0 means the term is not identified by the data).
  std::optional<double> lower, upper;
  // An exponent of N, D or C: held to the sane range of fitting/degeneracy.hpp.
  bool exponent = false;
};

struct LawSpec {
  std::string name;
  std::string formula;
  std::vector<ParamSpec> params;
  // Per fitted parameter, the start values; every combination is a start.
  std::vector<std::vector<double>> grid;
  // Which inputs the law needs: the fit rejects runs without them.
  bool needs_unique_tokens = false;
  // The summed Huber objective over `points` (thread-safe to evaluate).
  std::function<std::unique_ptr<ceres::FirstOrderFunction>(const std::vector<LawPoint>&, double)>
      objective;
  // log of the predicted loss at a point, from fitted-scale parameters x.
  std::function<double(const double* x, const LawPoint&)> log_loss;
  // True for laws of both N and D, which can split a budget C = 6ND.
  bool allocates = false;
  // True for a law of C alone (power-c): it reads only the point's C.
  bool of_compute = false;

  // Reported values (exp of log-scale parameters).
  std::vector<double> reported(const std::vector<double>& x) const;
  // Fitted-scale value of parameter i from a reported value (log for log-scale ones).
  double fitted_value(std::size_t i, double reported_value) const;
  // Index of the parameter reported as `name`; throws InputError listing the names.
  std::size_t index(std::string_view name) const;
  double predict(const std::vector<double>& x, const LawPoint& p) const;
};

// "chinchilla", "kaplan", "power-n", "power-d", "power-c", "data-constrained".
const LawSpec& find_law(std::string_view name, std::string_view what = "--law");
std::vector<std::string> law_names();

// The Hoffmann et al. grid: α, β ∈ {0, 0.5, ..., 2}; e ∈ {−1, −0.5, ..., 1};
// a, b ∈ {0, 5, ..., 25}: 4,500 starts, in the fitted order (a, b, e, α, β).
std::vector<std::vector<double>> hoffmann_grid_axes();

// The compute-optimal split of C = 6ND under a fitted law of N and D: the closed form for
// chinchilla, a 1-D minimisation of the predicted loss over log N otherwise.
Allocation optimal_allocation(const LawSpec& law, const std::vector<double>& x, double flops);

// A fitted chinchilla law as lib's ChinchillaLaw, and back: the fitted-scale parameters
// (log A, log B, log E, alpha, beta) of a published one.
ChinchillaLaw to_chinchilla_law(const std::vector<double>& x);
std::vector<double> chinchilla_parameters(const ChinchillaLaw& law);
// The fitted-scale parameters (log N_c, log D_c, alpha_N, alpha_D) of law "kaplan" for Kaplan
// et al.'s published constants (N non-embedding).
std::vector<double> kaplan_parameters(const KaplanLaw& law);

}  // namespace scalelab::fitting
