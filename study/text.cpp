#include "study/text.hpp"

#include <fmt/format.h>

#include <cmath>

#include "lib/output.hpp"

namespace scalelab::study {

// Every non-finite value goes through lib/output's formatters, so the study's text follows the
// one convention of lib/output.hpp ("unbounded" for +-infinity, "n/a" for NaN).

std::string number_text(double v) { return format_general(v, 4); }

std::string interval_text(const fitting::Estimate& e, int digits) {
  if (!e.interval) return format_si(e.value, digits);
  return fmt::format("{} [{}, {}]", format_si(e.value, digits), format_si(e.interval->lo, digits),
                     format_si(e.interval->hi, digits));
}

std::string flops_text(double c) { return format_general(c, 3); }

std::string loss_text(const fitting::Estimate& e) {
  if (!e.interval) return format_fixed(e.value, 4);
  return fmt::format("{} [{}, {}]", format_fixed(e.value, 4), format_fixed(e.interval->lo, 4),
                     format_fixed(e.interval->hi, 4));
}

std::string power_law_interval(const fitting::PowerLawFit& f) {
  if (!std::isfinite(f.exponent_interval.lo) || !std::isfinite(f.exponent_interval.hi))
    return format_fixed(f.exponent, 4);
  return fmt::format("{} [{}, {}]", format_fixed(f.exponent, 4),
                     format_fixed(f.exponent_interval.lo, 4),
                     format_fixed(f.exponent_interval.hi, 4));
}

}  // namespace scalelab::study
