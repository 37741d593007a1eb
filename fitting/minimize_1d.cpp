#include "fitting/minimize_1d.hpp"

#include <algorithm>
#include <cmath>

namespace scalelab::fitting {

double minimize_1d(const std::function<double(double)>& f, double lo, double hi,
                   const Minimize1dOptions& o) {
  const int n = o.scan_points;
  const double width = hi - lo;
  int best = 0;
  double best_value = f(lo);
  for (int k = 1; k <= n; ++k) {
    const double v = f(lo + width * k / n);
    if (v < best_value) best_value = v, best = k;
  }
  double a = lo + width * std::max(best - 1, 0) / n, b = lo + width * std::min(best + 1, n) / n;
  const double phi = (std::sqrt(5.0) - 1) / 2;
  for (int it = 0; it < o.golden_iterations; ++it) {
    const double m1 = b - phi * (b - a), m2 = a + phi * (b - a);
    if (f(m1) < f(m2))
      b = m2;
    else
      a = m1;
  }
  return (a + b) / 2;
}

}  // namespace scalelab::fitting
