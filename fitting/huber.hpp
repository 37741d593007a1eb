// The Huber loss used by every scaling-law fit here (Hoffmann et al. 2022, Approach 3):
//   Huber_δ(r) = r²/2 for |r| ≤ δ, δ·(|r| − δ/2) otherwise
// (the same convention as scipy.special.huber, which Besiroglu et al. 2024 used).
// Templated so that it also works on ceres::Jet for automatic derivatives.
#pragma once

#include <cmath>

namespace scalelab::fitting {

// Hoffmann et al.'s δ: residuals are in log-loss units, so 1e-3 is a 0.1% loss error.
inline constexpr double kDefaultHuberDelta = 1e-3;

template <typename T>
T huber(const T& r, double delta) {
  using std::abs;
  const T a = abs(r);
  if (a <= T(delta)) return T(0.5) * r * r;
  return T(delta) * (a - T(0.5 * delta));
}

// dHuber/dr for plain doubles.
inline double huber_derivative(double r, double delta) {
  if (r > delta) return delta;
  if (r < -delta) return -delta;
  return r;
}

}  // namespace scalelab::fitting
