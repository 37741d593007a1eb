#include "study/text.hpp"

#include <fmt/format.h>

#include <cmath>

#include "lib/output.hpp"

namespace scalelab::study {

namespace {

constexpr const char* kNotFinite = "not finite";

std::string si_or(double v, int digits, const char* otherwise) {
  return std::isfinite(v) ? format_si(v, digits) : otherwise;
}

std::string loss_or(double v, const char* otherwise) {
  return std::isfinite(v) ? fmt::format("{:.4f}", v) : otherwise;
}

}  // namespace

std::string number_text(double v) {
  return std::isfinite(v) ? fmt::format("{:.4g}", v) : kNotFinite;
}

std::string interval_text(const fitting::Estimate& e, int digits) {
  if (!e.interval) return si_or(e.value, digits, kNotFinite);
  return fmt::format("{} [{}, {}]", si_or(e.value, digits, kNotFinite),
                     si_or(e.interval->lo, digits, "unbounded"),
                     si_or(e.interval->hi, digits, "unbounded"));
}

std::string flops_text(double c) { return format_general(c, 3); }

// Non-finite values follow lib/output.hpp ("unbounded", "n/a").
std::string loss_text(const fitting::Estimate& e) {
  if (!e.interval) return loss_or(e.value, kNotFinite);
  return fmt::format("{} [{}, {}]", loss_or(e.value, kNotFinite),
                     loss_or(e.interval->lo, "unbounded"), loss_or(e.interval->hi, "unbounded"));
}

std::string power_law_interval(const fitting::PowerLawFit& f) {
  if (!std::isfinite(f.exponent)) return kNotFinite;
  if (!std::isfinite(f.exponent_interval.lo) || !std::isfinite(f.exponent_interval.hi))
    return fmt::format("{:.4f}", f.exponent);
  return fmt::format("{:.4f} [{:.4f}, {:.4f}]", f.exponent, f.exponent_interval.lo,
                     f.exponent_interval.hi);
}

}  // namespace scalelab::study
