// An observation as the objectives see it: logarithms precomputed once per fit.
#pragma once

#include <vector>

#include "lib/observation.hpp"

namespace scalelab::fitting {

struct LawPoint {
  double n = 0, d = 0, c = 0, loss = 0;
  double unique_tokens = 0;  // U_D; equals d when the source has none (no repetition)
  double log_n = 0, log_d = 0, log_c = 0, log_loss = 0;
};

LawPoint make_point(double params, double tokens, double flops, double loss = 1.0,
                    double unique_tokens = 0 /* 0: same as tokens */);
LawPoint make_point(const Observation& obs);
std::vector<LawPoint> make_points(const std::vector<Observation>& obs);

}  // namespace scalelab::fitting
