// How well a fitted L(N, D) describes the runs it was fitted on: predicted against observed
// loss (parity) and the relative residuals against compute, each run coloured by its N.
#pragma once

#include <string>
#include <vector>

#include "fitting/parametric_fit.hpp"
#include "plots/figure.hpp"

namespace scalelab::plots {

struct ParityData {
  std::string law;  // shown in titles, e.g. "L = E + A/N^α + B/D^β (Approach 3)"
  std::vector<double> observed, predicted, params, flops;
  std::size_t n_dropped = 0;  // runs left out of the fit (highest losses)
};

// From a fit: its kept observations, predicted = observed·exp(residual) (residuals are
// log(prediction) − log(loss)).
ParityData parity_data(const std::string& law_title, const fitting::FitResult& fit);

// Figure "fit_parity": predicted against observed, the line y = x, equal axes.
Figure parity_figure(const ParityData& data);
// Figure "fit_residuals": (predicted − observed)/observed in % against C.
Figure residuals_figure(const ParityData& data);

}  // namespace scalelab::plots
