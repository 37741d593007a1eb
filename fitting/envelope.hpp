// Approach 1 of Hoffmann et al. 2022: the lower envelope of loss against training FLOPs over
// all training curves. Compute is split into log-spaced bins; in each bin the point with the
// lowest loss (over every run and step) gives N_opt(C) = its N and D_opt(C) = its tokens.
// Power laws N_opt ∝ C^a and D_opt ∝ C^b are fitted through those points.
#pragma once

#include <string>
#include <vector>

#include "fitting/power_law_regression.hpp"
#include "lib/observation.hpp"

namespace scalelab::fitting {

struct EnvelopeOptions {
  double bins_per_decade = 10;  // bin width 1/bins_per_decade in log10 C
  double level = 0.95;
};

struct EnvelopePoint {
  double flops = 0, loss = 0, params = 0, tokens = 0;
  std::string where;  // the observation on the envelope
};

struct EnvelopeResult {
  std::vector<EnvelopePoint> points;  // by increasing C
  PowerLawFit params_opt;             // N_opt = k·C^a
  PowerLawFit tokens_opt;             // D_opt = k·C^b
  std::size_t n_points = 0;
};

// Each observation is one point of a curve (C = its flops at that step). Throws InputError
// when the envelope has fewer than 2 points at distinct C.
EnvelopeResult fit_envelope(const std::vector<Observation>& points, const EnvelopeOptions& o = {});

}  // namespace scalelab::fitting
