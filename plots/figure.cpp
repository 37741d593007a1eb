#include "plots/figure.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace scalelab::plots {

std::string escape_enhanced(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '_' || c == '^' || c == '{' || c == '}' || c == '@' || c == '&' || c == '~' ||
        c == '\\')
      out += '\\';
    out += c;
  }
  return out;
}

std::string sci_enhanced(double value, int digits) {
  if (!std::isfinite(value)) return fmt::format("{}", value);
  const double a = std::fabs(value);
  if (a == 0 || (a >= 0.01 && a < 1e4)) return fmt::format("{:.{}g}", value, digits);
  int exponent = static_cast<int>(std::floor(std::log10(a)));
  double mantissa = value / std::pow(10.0, exponent);
  // Rounding may carry the mantissa to 10 (9.96 -> "10.0"): move it to the exponent.
  if (std::fabs(std::stod(fmt::format("{:.{}f}", mantissa, digits - 1))) >= 10.0) {
    mantissa /= 10.0;
    ++exponent;
  }
  return fmt::format("{:.{}f}×10^{{{}}}", mantissa, digits - 1, exponent);
}

namespace {

void check_column(const Figure& f, const Series& s, const std::vector<double>& column,
                  const char* name, std::size_t n, bool positive) {
  if (column.size() != n)
    throw std::logic_error(fmt::format("figure {}: series '{}' has {} x values but {} {} values",
                                       f.name, s.title, n, column.size(), name));
  for (double v : column) {
    if (!std::isfinite(v))
      throw std::logic_error(
          fmt::format("figure {}: series '{}' has a non-finite {} value", f.name, s.title, name));
    if (positive && !(v > 0))
      throw std::logic_error(fmt::format("figure {}: series '{}' has {} value {} on a log axis",
                                         f.name, s.title, name, v));
  }
}

}  // namespace

void check_figure(const Figure& f) {
  if (f.name.empty()) throw std::logic_error("figure without a name");
  if (f.series.empty()) throw std::logic_error(fmt::format("figure {}: no series", f.name));
  for (const Series& s : f.series) {
    const std::size_t n = s.x.size();
    if (n == 0)
      throw std::logic_error(fmt::format("figure {}: series '{}' is empty", f.name, s.title));
    check_column(f, s, s.x, "x", n, f.x.log);
    using K = Series::Kind;
    if (s.kind != K::kBand) check_column(f, s, s.y, "y", n, f.y.log);
    if (s.kind == K::kBand || s.kind == K::kErrorBars) {
      check_column(f, s, s.lo, "lo", n, f.y.log);
      check_column(f, s, s.hi, "hi", n, f.y.log);
    }
    if (s.kind == K::kXErrorBars) {
      check_column(f, s, s.lo, "lo", n, f.x.log);
      check_column(f, s, s.hi, "hi", n, f.x.log);
    }
    if (s.kind == K::kColoredPoints) {
      if (!f.colorbar)
        throw std::logic_error(
            fmt::format("figure {}: coloured points without a colour bar", f.name));
      check_column(f, s, s.value, "value", n, f.colorbar->log);
    }
  }
}

}  // namespace scalelab::plots
