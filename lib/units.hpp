// Units and constants of compute accounting.
#pragma once

namespace scalelab {

// 1 PF-day = 1e15 FLOP/s × 86,400 s.
inline constexpr double kFlopsPerPfDay = 8.64e19;
inline constexpr double kSecondsPerHour = 3600.0;

}  // namespace scalelab
