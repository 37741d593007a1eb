// Minimising a function of one variable over an interval without derivatives: an even scan
// that finds the best grid cell (robust to several local minima at the scan's resolution),
// then golden-section search inside the two cells around it.
#pragma once

#include <functional>

namespace scalelab::fitting {

struct Minimize1dOptions {
  int scan_points = 400;        // grid cells over [lo, hi]; the function is read at each end
  int golden_iterations = 100;  // each shrinks the bracket by 0.618 (100: to rounding)
};

// The argument in [lo, hi] (lo <= hi) where f is least. f may return +inf where it is
// undefined; NaN compares false and is never taken as the least value.
double minimize_1d(const std::function<double(double)>& f, double lo, double hi,
                   const Minimize1dOptions& options = {});

}  // namespace scalelab::fitting
