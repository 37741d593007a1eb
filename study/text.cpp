#include "study/text.hpp"

#include <fmt/format.h>

#include <cmath>

#include "lib/output.hpp"

namespace scalelab::study {

std::string interval_text(const fitting::Estimate& e, int digits) {
  if (!e.interval) return format_si(e.value, digits);
  return fmt::format("{} [{}, {}]", format_si(e.value, digits), format_si(e.interval->lo, digits),
                     format_si(e.interval->hi, digits));
}

std::string flops_text(double c) { return fmt::format("{:.3g}", c); }

std::string loss_text(const fitting::Estimate& e) {
  if (!e.interval) return fmt::format("{:.4f}", e.value);
  return fmt::format("{:.4f} [{:.4f}, {:.4f}]", e.value, e.interval->lo, e.interval->hi);
}

std::string power_law_interval(const fitting::PowerLawFit& f) {
  if (!std::isfinite(f.exponent_interval.lo)) return fmt::format("{:.4f}", f.exponent);
  return fmt::format("{:.4f} [{:.4f}, {:.4f}]", f.exponent, f.exponent_interval.lo,
                     f.exponent_interval.hi);
}

}  // namespace scalelab::study
