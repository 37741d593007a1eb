#include "plots/palette.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace scalelab::plots {

std::string viridis(double t) {
  // Nine samples of matplotlib's viridis; linear interpolation between them.
  static constexpr std::array<std::array<int, 3>, 9> kStops = {{{68, 1, 84},
                                                                {71, 44, 122},
                                                                {59, 81, 139},
                                                                {44, 113, 142},
                                                                {33, 144, 141},
                                                                {39, 173, 129},
                                                                {92, 200, 99},
                                                                {170, 220, 50},
                                                                {253, 231, 37}}};
  t = std::clamp(std::isfinite(t) ? t : 0.0, 0.0, 1.0);
  const double pos = t * static_cast<double>(kStops.size() - 1);
  const std::size_t i = std::min<std::size_t>(static_cast<std::size_t>(pos), kStops.size() - 2);
  const double w = pos - static_cast<double>(i);
  int rgb[3];
  for (int c = 0; c < 3; ++c)
    rgb[c] = static_cast<int>(std::lround(kStops[i][c] * (1 - w) + kStops[i + 1][c] * w));
  return fmt::format("#{:02x}{:02x}{:02x}", rgb[0], rgb[1], rgb[2]);
}

std::string sequential_color(std::size_t i, std::size_t count) {
  if (count <= 1) return viridis(0.35);
  return viridis(0.85 * static_cast<double>(i) / static_cast<double>(count - 1));
}

}  // namespace scalelab::plots
