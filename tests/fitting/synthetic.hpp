// Synthetic observations drawn from known laws, for the fitting tests.
#pragma once

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "lib/observation.hpp"
#include "lib/scaling_law.hpp"

namespace scalelab::testing {

inline Observation make_obs(double n, double d, double loss, int index) {
  Observation o;
  o.params = n;
  o.tokens = d;
  o.flops = 6 * n * d;
  o.loss = loss;
  o.where = "synthetic:" + std::to_string(index + 2);
  return o;
}

// Runs on a log grid of N (1e7..1e10) × tokens per parameter (5..80), with multiplicative
// log-normal noise of `sigma` on the loss.
inline std::vector<Observation> chinchilla_runs(const ChinchillaLaw& law, int n_sizes, int n_ratios,
                                                double sigma, std::mt19937_64& rng) {
  std::normal_distribution<double> noise(0.0, sigma);
  std::vector<Observation> out;
  for (int i = 0; i < n_sizes; ++i)
    for (int j = 0; j < n_ratios; ++j) {
      const double n = 1e7 * std::pow(1e3, i / double(n_sizes - 1));
      const double d = n * 5 * std::pow(16.0, j / double(n_ratios - 1));
      out.push_back(make_obs(n, d, law.loss(n, d) * std::exp(noise(rng)), int(out.size())));
    }
  return out;
}

}  // namespace scalelab::testing
